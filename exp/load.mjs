import { Agent, request } from 'node:http';
const port = Number(process.argv[2]); const total = 40000;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const payload = 'grant_type=authorization_code&code=' + 'a'.repeat(43) + '&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&code_verifier=' + 'b'.repeat(43);
let sent = 0, done = 0; const t0 = process.hrtime.bigint();
await new Promise((resolve) => {
  const one = () => { if (sent >= total) return; sent++;
    const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/token', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(payload), authorization: 'Basic YWJjOmRlZg==' } }, (res) => { res.resume(); res.on('end', () => { done++; if (done === total) resolve(); else one(); }); });
    req.end(payload); };
  for (let i = 0; i < 64; i++) one();
});
const s = Number(process.hrtime.bigint() - t0) / 1e9; console.log(process.argv[3], Math.round(total / s), 'req/s'); agent.destroy();
