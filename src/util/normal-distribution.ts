/**
 * The standard normal distribution N(0, 1): its complementary error function, its CDF and its
 * quantile function (the inverse CDF), in plain double precision. Notebook 09 uses the quantile to
 * place a decoder grid on equal shares of the prior's probability.
 */

const SQRT_PI = Math.sqrt(Math.PI);
const SQRT_2 = Math.SQRT2;
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * The complementary error function erfc(x) = 1 - erf(x) = (2 / sqrt(pi)) * integral from x to
 * infinity of exp(-t^2) dt, to about 1e-13 relative error. Near 0 a power series with positive terms
 * only; from |x| = 2 on a continued fraction (so the far tail keeps its relative precision).
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x === Infinity) return 0;
  if (x < 2) {
    // erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1 * 3 * ... * (2n+1))
    let term = x;
    let sum = x;
    for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / SQRT_PI) * Math.exp(-x * x) * sum;
  }
  // erfc(x) = exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + 2 / (x + ...))))),
  // evaluated from a deep level back to the top.
  let tail = x;
  for (let k = 80; k >= 1; k--) tail = x + k / 2 / tail;
  return Math.exp(-x * x) / SQRT_PI / tail;
}

/** The standard normal CDF Phi(x) = P(Z <= x) for Z ~ N(0, 1). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / SQRT_2);
}

// Rational approximations of the lower half of the quantile (P. J. Acklam's published coefficients,
// relative error below 1.15e-9), refined afterwards by one Halley step.
const CENTRAL_NUM = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
const CENTRAL_DEN = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572, 1];
const TAIL_NUM = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const TAIL_DEN = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416, 1];
const TAIL_START = 0.02425;

/** Evaluates a polynomial given by its coefficients, highest power first (Horner). */
function horner(coefficients: readonly number[], x: number): number {
  let s = 0;
  for (const c of coefficients) s = s * x + c;
  return s;
}

/** The quantile for p in (0, 0.5]: rational first guess, then one Halley step on Phi(x) - p. */
function lowerQuantile(p: number): number {
  let x: number;
  if (p < TAIL_START) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = horner(TAIL_NUM, q) / horner(TAIL_DEN, q);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = (q * horner(CENTRAL_NUM, r)) / horner(CENTRAL_DEN, r);
  }
  // Halley's step for f(x) = Phi(x) - p, with f' = phi(x) and f'' = -x phi(x).
  const u = (normalCdf(x) - p) * SQRT_2PI * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/**
 * The quantile function of the standard normal distribution, Phi^{-1}(p): the z with
 * P(Z <= z) = p for Z ~ N(0, 1), e.g. `normalQuantile(0.975)` = 1.959964. Accurate to about 1e-12
 * over the whole range and antisymmetric: `normalQuantile(q) === -normalQuantile(1 - q)` for q in [0.5, 1).
 * Throws a RangeError unless p is a number strictly between 0 and 1 (the quantiles of 0 and 1 are
 * infinite).
 */
export function normalQuantile(p: number): number {
  if (typeof p !== 'number' || !(p > 0 && p < 1)) {
    throw new RangeError(`normalQuantile: p must be a probability strictly between 0 and 1 (its quantile is then finite), got ${String(p)}`);
  }
  // 1 - p is exact for p in [0.5, 1), so the upper half mirrors the lower one without rounding.
  return p > 0.5 ? -lowerQuantile(1 - p) : lowerQuantile(p);
}
