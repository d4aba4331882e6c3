/**
 * The dependency rules of src/ (`npm run depcheck`; also run by tests/depcheck.test.ts).
 *
 * Three parts with one-way arrows:
 *   - src/engine/   the wasm engine: imports nothing from the rest of src; only src/backend/,
 *                   src/training/optimizer.ts and the tools may use it, and only through its index.ts.
 *   - src/tools/    the tools that run the course (runner, grader, generator, CLIs, benchmark):
 *                   import the library; the library never imports them.
 *   - the library:  everything else under src/, in layers (each may import only its own floor and
 *                   the floors below; the engine sits beside the ground floor):
 *
 *     7  src/index.ts                                       the course API notebooks import
 *     6  src/notebook/   in-notebook context: show, publish, claims, answers, the data line
 *     5  src/figures/
 *     4  src/analysis/, src/metrics/                        (neither imports the other)
 *     3  src/training/, src/checks/                       (the autograder checks notebooks call; neither imports the other)
 *     2  src/losses/
 *     1  src/models/
 *     0  src/data/, src/noise/, src/backend/                (noise may use data's pixel helpers)
 *    -1  src/util/, src/rng.ts, src/types.ts                (ground floor: imports nothing of src)
 *
 * Type-only imports count (tsPreCompilationDeps), so type cycles are caught too.
 */
/** The tools that run the course. */
const TOOLS = '^src/tools/';
/** Everything that is not the library. */
const LIBRARY_EXCEPT = [TOOLS, '^src/engine/'];

/** Folders (regex alternatives) by floor, bottom first. */
const FLOORS = [
  ['util/', 'rng\\.ts$', 'types\\.ts$'],
  ['data/', 'noise/', 'backend/'],
  ['models/'],
  ['losses/'],
  ['training/', 'checks/'],
  ['analysis/', 'metrics/'],
  ['figures/'],
  ['notebook/'],
  ['index\\.ts$'],
];

const pathOf = (alternatives) => `^src/(${alternatives.join('|')})`;

/** One rule per floor: nothing on it imports a floor above it. */
const layerRules = FLOORS.slice(0, -1).map((floor, i) => ({
  name: `layer-${i - 1}-no-upward-imports`,
  comment: `src/${floor.join(', src/')} (floor ${i - 1}) may import only its own floor and the floors below`,
  severity: 'error',
  from: { path: pathOf(floor), pathNot: TOOLS },
  to: { path: pathOf(FLOORS.slice(i + 1).flat()) },
}));

/** Exceptions inside a floor that the floors above do not cover. */
const sameFloorRules = [
  {
    name: 'analysis-metrics-apart',
    comment: 'analysis and metrics share a floor and do not import each other',
    severity: 'error',
    from: { path: '^src/(analysis|metrics)/' },
    to: { path: '^src/(analysis|metrics)/', pathNot: ['^src/$1/'] },
  },
  {
    name: 'training-checks-apart',
    comment: 'training and the autograder checks share a floor and do not import each other',
    severity: 'error',
    from: { path: '^src/(training|checks)/' },
    to: { path: '^src/(training|checks)/', pathNot: ['^src/$1/'] },
  },
  {
    name: 'ground-floor-data-backend-apart',
    comment: 'data, noise and backend: only noise may use data (its pixel helpers)',
    severity: 'error',
    from: { path: '^src/(data|backend)/' },
    to: { path: '^src/(data|noise|backend)/', pathNot: ['^src/$1/'] },
  },
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No dependency cycles anywhere in src/ (type-only imports included)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'engine-stands-alone',
      comment: 'The wasm engine imports nothing from src/ outside src/engine/ (only tfjs packages and node builtins)',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/', pathNot: '^src/engine/' },
    },
    {
      name: 'engine-through-its-entry',
      comment: 'Outside src/engine/, only src/backend/, src/training/optimizer.ts and src/tools/ may import the engine, and only its index.ts',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/engine/' },
      to: { path: '^src/engine/', pathNot: '^src/engine/index\\.ts$' },
    },
    {
      name: 'engine-few-importers',
      comment: 'Outside src/engine/, only src/backend/, src/training/optimizer.ts and src/tools/ may import the engine',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(engine/|backend/|training/optimizer\\.ts$|tools/)' },
      to: { path: '^src/engine/' },
    },
    {
      name: 'library-never-imports-tools',
      comment: 'The course library (src/ except src/tools and src/engine) never imports src/tools/',
      severity: 'error',
      from: { path: '^src/', pathNot: LIBRARY_EXCEPT },
      to: { path: TOOLS },
    },
    ...layerRules,
    ...sameFloorRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|tests|node_modules)/' },
  },
};
