/** The `codegrant` executable: runs the command line and exits with its code. */
import { run } from './run.ts';

process.exitCode = await run(process.argv.slice(2));
