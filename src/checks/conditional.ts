/**
 * Autograder check of notebook 14 (the conditional VAE): one-hot labels.
 */
import { AutograderError, pass, callStudent, describe } from './harness';

/**
 * Checks `fn(labels, numClasses)` returning one-hot rows as a flat Float32Array
 * `[labels.length * numClasses]`: row i has a 1 in column labels[i] and 0 elsewhere.
 */
export function checkOneHot(fn: (labels: ArrayLike<number>, numClasses: number) => Float32Array): void {
  const check = 'checkOneHot';
  const labels = [3, 0, 9, 3, 5];
  const k = 10;
  const raw = callStudent(check, 'labels [3, 0, 9, 3, 5] and 10 classes', () => fn(labels, k));
  if (!(raw instanceof Float32Array) || raw.length !== labels.length * k) {
    throw new AutograderError(check, `expected a Float32Array of ${labels.length * k} numbers (one row of ${k} per label), got ${describe(raw)}`);
  }
  for (let i = 0; i < labels.length; i++) {
    for (let c = 0; c < k; c++) {
      const want = c === labels[i] ? 1 : 0;
      if (raw[i * k + c] !== want) {
        const transposed = raw[c * labels.length + i] === want;
        throw new AutograderError(
          check,
          `row ${i} (label ${labels[i]}), column ${c}: expected ${want}, got ${raw[i * k + c]}.` +
            (transposed ? ' The layout looks transposed: row i occupies positions i * numClasses ... i * numClasses + numClasses - 1.' : ''),
        );
      }
    }
  }
  pass(check, 'five labels give the right one-hot rows.');
}
