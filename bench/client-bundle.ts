/**
 * The browser bundle of the code-flow subset of `@codegrant/client` against openid-client's same
 * subset: discovery, authorization URL, callback validation + code grant (ID token validated),
 * refresh, PKCE, state and nonce. Each is bundled by esbuild (ESM, browser platform, minified,
 * every dependency inside: oauth4webapi for openid-client, which does not verify ID token
 * signatures by default; jose for ours, which does, as the project's rule wants — that is about
 * 4 kB gz of ours) and gzipped with node:zlib at its default level. Run
 * alone: `node --import tsx bench/client-bundle.ts`.
 */
import { fileURLToPath } from 'node:url';
import { bundleSize } from './bundle-size.ts';

/** The functions of the subset: the same names exist in both libraries (that is the point). */
const SUBSET = [
  'discovery',
  'buildAuthorizationUrl',
  'authorizationCodeGrant',
  'refreshTokenGrant',
  'randomPKCECodeVerifier',
  'calculatePKCECodeChallenge',
  'randomState',
  'randomNonce',
];

const clientDir = fileURLToPath(new URL('../packages/client', import.meta.url));

/** Minified, then gzipped, bytes of `export { …SUBSET } from specifier`. */
function bundle(specifier: string): Promise<{ minified: number; gzip: number }> {
  return bundleSize(`export { ${SUBSET.join(', ')} } from '${specifier}';`, clientDir);
}

/** Gzipped bundle sizes of the code-flow subset: ours and openid-client's. */
export async function measureClientBundle(): Promise<{
  codegrantGzipBytes: number;
  openidClientGzipBytes: number;
}> {
  const [ours, theirs] = await Promise.all([bundle('@codegrant/client'), bundle('openid-client')]);
  return { codegrantGzipBytes: ours.gzip, openidClientGzipBytes: theirs.gzip };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [ours, theirs] = await Promise.all([bundle('@codegrant/client'), bundle('openid-client')]);
  const kb = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`;
  console.log('code-flow subset, browser bundle (esbuild --minify, gzip):');
  console.log(`  @codegrant/client  ${kb(ours.minified)} min  ${kb(ours.gzip)} gz`);
  console.log(`  openid-client      ${kb(theirs.minified)} min  ${kb(theirs.gzip)} gz`);
  console.log(`  ratio (gz)         ${(ours.gzip / theirs.gzip).toFixed(3)}×`);
}
