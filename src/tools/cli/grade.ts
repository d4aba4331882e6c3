#!/usr/bin/env node
/** `npm run grade`: grades student submissions (see `npm run grade -- --help`). */
import { gradeCli } from '../grade/grade-cli';

gradeCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`grader error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
