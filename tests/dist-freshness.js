/**
 * Is the compiled `dist/` up to date with `src/`? Eight suites and every notebook test run the
 * compiled helpers, so after an edit in `src/` without `npm run build` they would silently test
 * the old code. jest's global setup calls {@link assertDistFresh} before any test runs.
 */
const fs = require('fs');
const path = require('path');

/** Every `.ts` file under `dir` (recursively, `.d.ts` excluded), relative to `dir`, sorted. */
function sourceFiles(dir, rel = '') {
  const found = [];
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel ? path.join(rel, entry.name) : entry.name;
    if (entry.isDirectory()) found.push(...sourceFiles(dir, child));
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(child);
  }
  return found.sort();
}

/**
 * The sources under `<root>/src` whose compiled `<root>/dist/<same path>.js` is missing or older
 * than the source (by modification time).
 * @param {string} root project root holding `src/` and `dist/`
 * @returns {Array<{ source: string, output: string, reason: 'missing' | 'older' }>} paths relative to `root`
 */
function staleDistFiles(root) {
  const src = path.join(root, 'src');
  if (!fs.existsSync(src)) throw new Error(`dist freshness check: no src/ folder in ${root}`);
  const stale = [];
  for (const rel of sourceFiles(src)) {
    const source = path.join('src', rel);
    const output = path.join('dist', rel.replace(/\.ts$/, '.js'));
    const outputFile = path.join(root, output);
    if (!fs.existsSync(outputFile)) stale.push({ source, output, reason: 'missing' });
    else if (fs.statSync(path.join(root, source)).mtimeMs > fs.statSync(outputFile).mtimeMs) stale.push({ source, output, reason: 'older' });
  }
  return stale;
}

/**
 * Throws an error naming the stale files and the fix (`npm run build`) when `dist/` under `root`
 * is older than `src/`; returns quietly when it is up to date.
 * @param {string} root project root holding `src/` and `dist/`
 */
function assertDistFresh(root) {
  const stale = staleDistFiles(root);
  if (stale.length === 0) return;
  const shown = stale.slice(0, 10).map((s) => `  ${s.source} -> ${s.output} ${s.reason === 'missing' ? 'is missing' : 'is older than its source'}`);
  if (stale.length > shown.length) shown.push(`  ... and ${stale.length - shown.length} more`);
  throw new Error(
    `dist/ is out of date with src/ (${stale.length} file(s)); the tests that run the compiled helpers would test old code:\n` +
      `${shown.join('\n')}\nFix: run "npm run build" (npm test builds first).`,
  );
}

module.exports = { staleDistFiles, assertDistFresh };
