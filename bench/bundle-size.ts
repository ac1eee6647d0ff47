import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/**
 * Minified, then gzipped, bytes of the module `contents` bundled by esbuild the way a browser app
 * would ship it: ESM, browser platform, ES2022, every dependency inside, workspace packages from
 * source; gzip at node:zlib's default level.
 */
export async function bundleSize(
  contents: string,
  resolveDir: string,
): Promise<{ minified: number; gzip: number }> {
  const result = await build({
    stdin: { contents, resolveDir, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['codegrant-source'],
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  return { minified: code.byteLength, gzip: gzipSync(code).byteLength };
}
