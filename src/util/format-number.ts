/** How vaelab writes a number for people: answers, claim lines and the run report share it. */

/** `x` rounded to `digits` significant digits, as text without trailing-zero noise (`0.0123`, `15.5`); non-finite values as `NaN` / `Infinity`. */
export function formatSignificant(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  return String(Number(x.toPrecision(digits)));
}
