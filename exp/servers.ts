import { createServer } from 'node:http';
import { Hono } from 'hono';
import { createAdaptorServer } from '@hono/node-server';
const body = JSON.stringify({ access_token: 'x'.repeat(500), token_type: 'Bearer', expires_in: 3600, id_token: 'y'.repeat(450), scope: 'openid profile' });
const variant = process.argv[2];
const port = Number(process.argv[3]);
if (variant === 'raw') {
  createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      new URLSearchParams(Buffer.concat(chunks).toString());
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' });
      res.end(body);
    });
  }).listen(port);
} else if (variant === 'fetch') {
  createAdaptorServer({ fetch: async (r: Request) => { new URLSearchParams(await r.text()); return new Response(body, { headers: { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' } }); } }).listen(port);
} else {
  const app = new Hono();
  app.use(async (c, next) => { await next(); c.res.headers.set('x-request-id', crypto.randomUUID()); });
  app.post('/token', async (c) => { new URLSearchParams(await c.req.raw.text()); return new Response(body, { headers: { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' } }); });
  createAdaptorServer({ fetch: app.fetch }).listen(port);
}
