#!/usr/bin/env node
/** `npm start`: runs the solution notebooks headlessly (see `npm start -- --help`). */
import { runCli } from '../runner/runner-cli';

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
