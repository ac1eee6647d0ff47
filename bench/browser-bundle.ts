/**
 * The browser bundle of `UserManager`: `@codegrant/browser`'s against oidc-client-ts's. Each is
 * `export { UserManager } from '…'` bundled by esbuild into one file (ESM, browser platform,
 * minified, every dependency inside: `@codegrant/client` and jose for us, jwt-decode for
 * oidc-client-ts) and gzipped with node:zlib at its default level. Ours includes DPoP (loaded with
 * `import()`, which esbuild inlines without code splitting): the worst case, counted honestly.
 * Run alone: `node --import tsx bench/browser-bundle.ts`.
 */
import { fileURLToPath } from 'node:url';
import { bundleSize } from './bundle-size.ts';

const browserDir = fileURLToPath(new URL('../packages/browser', import.meta.url));

/** Minified, then gzipped, bytes of `export { UserManager } from specifier`. */
function bundle(specifier: string): Promise<{ minified: number; gzip: number }> {
  return bundleSize(`export { UserManager } from '${specifier}';`, browserDir);
}

/** Gzipped bundle sizes of `UserManager`: ours and oidc-client-ts's. */
export async function measureBrowserBundle(): Promise<{
  codegrantGzipBytes: number;
  oidcClientTsGzipBytes: number;
}> {
  const [ours, theirs] = await Promise.all([bundle('@codegrant/browser'), bundle('oidc-client-ts')]);
  return { codegrantGzipBytes: ours.gzip, oidcClientTsGzipBytes: theirs.gzip };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [ours, theirs] = await Promise.all([bundle('@codegrant/browser'), bundle('oidc-client-ts')]);
  const kb = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`;
  console.log('UserManager, browser bundle (esbuild --minify, one file, gzip):');
  console.log(`  @codegrant/browser  ${kb(ours.minified)} min  ${kb(ours.gzip)} gz`);
  console.log(`  oidc-client-ts      ${kb(theirs.minified)} min  ${kb(theirs.gzip)} gz`);
  console.log(`  ratio (gz)          ${(ours.gzip / theirs.gzip).toFixed(3)}×`);
}
