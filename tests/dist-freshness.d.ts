/** Types of tests/dist-freshness.js (jest's global setup is plain JavaScript). */

/** A source file whose compiled output is missing or older than the source. */
export interface StaleDistFile {
  /** Source path relative to the project root, e.g. `src/rng.ts`. */
  source: string;
  /** Compiled output path relative to the project root, e.g. `dist/rng.js`. */
  output: string;
  /** `missing`: no compiled file; `older`: the source changed after the last build. */
  reason: 'missing' | 'older';
}

/** The sources under `<root>/src` whose `<root>/dist` output is missing or older than the source. */
export function staleDistFiles(root: string): StaleDistFile[];

/** Throws (naming the files and the fix, `npm run build`) when `dist/` under `root` is stale. */
export function assertDistFresh(root: string): void;
