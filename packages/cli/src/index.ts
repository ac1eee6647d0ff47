/**
 * The `codegrant` command line as a function, for embedding it (e.g. in a dev script) without a
 * child process. The executable is `bin/codegrant.js`.
 */
export { run } from './run.ts';
