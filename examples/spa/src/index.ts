/**
 * The example SPA, for `npm start` and the end-to-end tests: {@link buildSpa} bundles it for an
 * identity provider, {@link serveSpa} serves it.
 *
 * @packageDocumentation
 */
export { buildSpa, type StaticFile } from './build.ts';
export type { SpaConfig } from './config.ts';
export { type ServeSpaOptions, serveSpa } from './serve.ts';
