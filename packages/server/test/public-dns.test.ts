import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import * as dnsPacket from 'dns-packet';
import { resolvePublicName, setPublicDnsServers } from '../src/registration/public-dns.ts';
import { guardedLookup } from '../src/registration/safe-fetch.ts';
import { runOnOneThreadPool } from './helpers/one-thread-pool.ts';

/**
 * A real name server on a UDP port: A records for `public.test` and `private.test`, NXDOMAIN for
 * other names, and no answer at all for `silent.test` (a server that lets resolvers wait).
 */
async function startNameServer(): Promise<{
  address: string;
  queries: string[];
  close: () => Promise<void>;
}> {
  const records: Record<string, string> = { 'public.test': '203.0.113.7', 'private.test': '10.0.0.5' };
  const queries: string[] = [];
  const socket: Socket = createSocket('udp4');
  socket.on('message', (message, peer) => {
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    if (!question) return;
    queries.push(`${question.type} ${question.name}`);
    if (question.name === 'silent.test') return;
    const address = records[question.name];
    const answer = dnsPacket.encode({
      id: query.id,
      type: 'response',
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (address === undefined ? 3 : 0), // rcode 3: NXDOMAIN
      questions: [question],
      answers:
        address !== undefined && question.type === 'A'
          ? [{ type: 'A', name: question.name, ttl: 60, data: address }]
          : [],
    });
    socket.send(answer, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

function lookupAll(allowPrivateNetworks: boolean, hostname: string): Promise<unknown> {
  return new Promise((resolve, reject) =>
    guardedLookup(allowPrivateNetworks)(hostname, { all: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );
}

describe('names of URLs someone else chose: resolved by DNS queries, off the thread pool', () => {
  let nameServer: Awaited<ReturnType<typeof startNameServer>>;
  before(async () => {
    nameServer = await startNameServer();
    setPublicDnsServers([nameServer.address]);
  });
  after(() => nameServer.close());

  it('resolves a public name through the name server it is given', async () => {
    assert.deepEqual(await resolvePublicName('public.test', 4), [{ address: '203.0.113.7', family: 4 }]);
    assert.deepEqual(await lookupAll(false, 'public.test'), [{ address: '203.0.113.7', family: 4 }]);
    assert.ok(nameServer.queries.includes('A public.test'));
  });

  it('asks for both families when the connection takes either, and keeps the one that exists', async () => {
    nameServer.queries.length = 0;
    assert.deepEqual(await resolvePublicName('public.test', 0), [{ address: '203.0.113.7', family: 4 }]);
    assert.deepEqual([...nameServer.queries].sort(), ['A public.test', 'AAAA public.test']);
  });

  it('refuses a name that resolves to a private address, naming it', async () => {
    await assert.rejects(
      lookupAll(false, 'private.test'),
      /private\.test resolves to a private address \(10\.0\.0\.5\)/,
    );
  });

  it('answers an unknown name with the resolver’s error', async () => {
    await assert.rejects(resolvePublicName('nowhere.test', 0), (error: NodeJS.ErrnoException) => {
      assert.equal(error.code, 'ENOTFOUND');
      return true;
    });
  });

  it('takes localhost names as loopback without asking (RFC 6761), so they are refused as private', async () => {
    nameServer.queries.length = 0;
    assert.deepEqual(await resolvePublicName('LocalHost.', 0), [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    assert.deepEqual(await resolvePublicName('app.localhost', 6), [{ address: '::1', family: 6 }]);
    await assert.rejects(lookupAll(false, 'localhost'), /resolves to a private address \(127\.0\.0\.1\)/);
    assert.deepEqual(nameServer.queries, []);
  });

  it('keeps libuv’s thread pool free: with a pool of one thread, a signature never waits for a silent name server', async () => {
    const script = `
      const { sign, generateKeyPairSync } = await import('node:crypto');
      const { setPublicDnsServers } = await import(${JSON.stringify(new URL('../src/registration/public-dns.ts', import.meta.url).href)});
      const { guardedLookup } = await import(${JSON.stringify(new URL('../src/registration/safe-fetch.ts', import.meta.url).href)});
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      setPublicDnsServers([${JSON.stringify(nameServer.address)}]);
      let lookupSettled = false;
      guardedLookup(false)('silent.test', { all: true }, () => { lookupSettled = true; });
      // Queued on the pool right behind the look-up, were the look-up on the pool.
      sign('sha256', Buffer.from('data'), privateKey, () => {
        console.log(JSON.stringify({ lookupSettled }));
        process.exit(0);
      });`;
    const stdout = await runOnOneThreadPool(script);
    assert.deepEqual(JSON.parse(stdout), { lookupSettled: false });
    assert.ok(nameServer.queries.includes('A silent.test'), 'the query reached the silent name server');
  });
});
