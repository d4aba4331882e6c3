/**
 * Frechet distance of fitted Gaussians: closed-form cases (diagonal, 2x2), a 6-d case against a
 * reference computed another way (Denman-Beavers square root of the non-symmetric S1 S2, with its
 * own Gauss-Jordan inverse), the Gaussian fit on hand-computed sets, invariances, and bad input.
 */
import { fitGaussian, frechetDistance, type GaussianFit } from '../src/metrics';
import { Rng } from '../src/rng';

type M = number[][];

const gaussian = (mean: number[], cov: M): GaussianFit => ({
  mean: Float64Array.from(mean),
  covariance: Float64Array.from(cov.flat()),
  dims: mean.length,
  count: 0,
});
const diag = (v: number[]): M => v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));
const mul = (a: M, b: M): M => a.map((row) => b[0].map((_, j) => row.reduce((s, x, k) => s + x * b[k][j], 0)));
const transpose = (a: M): M => a[0].map((_, j) => a.map((row) => row[j]));
const trace = (a: M): number => a.reduce((s, row, i) => s + row[i], 0);
const identity = (n: number): M => diag(new Array<number>(n).fill(1));
const add = (a: M, b: M, s = 1): M => a.map((row, i) => row.map((x, j) => x + s * b[i][j]));

/** Gauss-Jordan inverse with partial pivoting (test reference, independent of ml-matrix). */
function inverse(a: M): M {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...identity(n)[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    const d = m[c][c];
    for (let j = 0; j < 2 * n; j++) m[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row) => row.slice(n));
}

/** Square root of a matrix with positive real eigenvalues (Denman-Beavers iteration). */
function sqrtm(a: M): M {
  let y = a;
  let z = identity(a.length);
  for (let k = 0; k < 60; k++) {
    const yi = inverse(y);
    const zi = inverse(z);
    y = add(y, zi).map((row) => row.map((x) => x / 2));
    z = add(z, yi).map((row) => row.map((x) => x / 2));
  }
  return y;
}

/** A random symmetric positive-definite matrix B B^T + eps I. */
function randomSpd(n: number, rng: Rng, eps = 0.1): M {
  const b = Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal()));
  return add(mul(b, transpose(b)), identity(n), eps);
}

/** A random orthogonal matrix (Gram-Schmidt of a random matrix). */
function randomOrthogonal(n: number, rng: Rng): M {
  const q: number[][] = [];
  for (let i = 0; i < n; i++) {
    let v = Array.from({ length: n }, () => rng.normal());
    for (const u of q) {
      const d = v.reduce((s, x, k) => s + x * u[k], 0);
      v = v.map((x, k) => x - d * u[k]);
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    q.push(v.map((x) => x / norm));
  }
  return q;
}

/** `count` samples of a correlated Gaussian: mean + L eps with a random L. */
function samples(count: number, dims: number, rng: Rng, shift = 0): number[][] {
  const l = Array.from({ length: dims }, () => Array.from({ length: dims }, () => rng.normal() * 0.5));
  return Array.from({ length: count }, () => {
    const e = Array.from({ length: dims }, () => rng.normal());
    return l.map((row, i) => row.reduce((s, x, k) => s + x * e[k], 0) + shift + i);
  });
}

const transform = (rows: number[][], q: M, t: number[]): number[][] =>
  rows.map((r) => q.map((qRow, i) => qRow.reduce((s, x, k) => s + x * r[k], 0) + t[i]));

describe('frechetDistance: known answers', () => {
  test('diagonal covariances: sum (sqrt a - sqrt b)^2 + ||mu1 - mu2||^2', () => {
    const a = [4, 1, 0.25, 9];
    const b = [1, 1, 2.25, 0.01];
    const mu1 = [0, 1, 2, 3];
    const mu2 = [1, 1, 0, 3.5];
    // by hand: (2-1)^2 + 0 + (0.5-1.5)^2 + (3-0.1)^2 = 1 + 1 + 8.41 = 10.41; means: 1 + 0 + 4 + 0.25 = 5.25
    const d = frechetDistance(gaussian(mu1, diag(a)), gaussian(mu2, diag(b)));
    expect(d.covarianceTerm).toBeCloseTo(10.41, 12);
    expect(d.meanTerm).toBeCloseTo(5.25, 12);
    expect(d.distance).toBeCloseTo(15.66, 12);
    expect(d.dims).toBe(4);
  });

  test('2x2 non-diagonal: Tr sqrt(S1 S2) = sqrt(Tr(S1 S2) + 2 sqrt(det S1 det S2))', () => {
    const s1 = [
      [2, 0.8],
      [0.8, 1],
    ];
    const s2 = [
      [1.5, -0.6],
      [-0.6, 3],
    ];
    const p = mul(s1, s2);
    const det = (m: M): number => m[0][0] * m[1][1] - m[0][1] * m[1][0];
    // for a 2x2 matrix with eigenvalues l1, l2 > 0: (sqrt l1 + sqrt l2)^2 = l1 + l2 + 2 sqrt(l1 l2)
    const trRoot = Math.sqrt(trace(p) + 2 * Math.sqrt(det(s1) * det(s2)));
    const expected = trace(s1) + trace(s2) - 2 * trRoot + (1 - -2) ** 2 + (0.5 - 0.5) ** 2;
    const d = frechetDistance(gaussian([1, 0.5], s1), gaussian([-2, 0.5], s2));
    expect(d.distance).toBeCloseTo(expected, 12);
  });

  test('6-d random covariances: equals a Denman-Beavers reference on the non-symmetric S1 S2', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 3; trial++) {
      const s1 = randomSpd(6, rng);
      const s2 = randomSpd(6, rng, 0.5);
      const mu1 = Array.from({ length: 6 }, () => rng.normal());
      const mu2 = Array.from({ length: 6 }, () => rng.normal());
      const root = sqrtm(mul(s1, s2));
      // the reference really is a square root of S1 S2
      const back = mul(root, root);
      const p = mul(s1, s2);
      back.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(p[i][j], 8)));
      const meanTerm = mu1.reduce((s, x, i) => s + (x - mu2[i]) ** 2, 0);
      const expected = meanTerm + trace(s1) + trace(s2) - 2 * trace(root);
      const d = frechetDistance(gaussian(mu1, s1), gaussian(mu2, s2));
      expect(Math.abs(d.distance - expected)).toBeLessThan(1e-9 * (trace(s1) + trace(s2)));
      expect(d.meanTerm).toBeCloseTo(meanTerm, 12);
    }
  });

  test('equal Gaussians are at distance 0; a shifted copy at ||shift||^2', () => {
    const s = randomSpd(5, new Rng(3));
    const mu = [1, 2, 3, 4, 5];
    expect(frechetDistance(gaussian(mu, s), gaussian(mu, s)).distance).toBeLessThan(1e-10);
    const d = frechetDistance(
      gaussian(mu, s),
      gaussian(
        mu.map((x) => x + 2),
        s,
      ),
    ).distance;
    expect(d).toBeCloseTo(5 * 4, 9);
  });
});

describe('fitGaussian', () => {
  test('mean and unbiased covariance of hand-computed sets', () => {
    // centred rows (-1,0), (1,0), (0,3), (0,-3): sums xx = 2, yy = 18, xy = 0; divisor n - 1 = 3
    const g = fitGaussian([
      [1, 2],
      [3, 2],
      [2, 5],
      [2, -1],
    ]);
    expect(Array.from(g.mean)).toEqual([2, 2]);
    expect(Array.from(g.covariance).map((v) => +v.toFixed(12))).toEqual([+(2 / 3).toFixed(12), 0, 0, 6]);
    expect(g.count).toBe(4);
    // correlated: centred (-1,-1), (1,1), (0,-1), (0,1): xx = 2, xy = 2, yy = 4
    const h = fitGaussian({ values: [0, 0, 2, 2, 1, 0, 1, 2], dims: 2 });
    expect(Array.from(h.mean)).toEqual([1, 1]);
    const c = Array.from(h.covariance);
    [2 / 3, 2 / 3, 2 / 3, 4 / 3].forEach((v, i) => expect(c[i]).toBeCloseTo(v, 14));
  });

  test('a fit passed to frechetDistance gives the same distance as the raw features', () => {
    const rng = new Rng(5);
    const a = samples(300, 4, rng);
    const b = samples(200, 4, rng, 0.3);
    const raw = frechetDistance(a, b).distance;
    expect(frechetDistance(fitGaussian(a), b).distance).toBe(raw);
    expect(frechetDistance({ values: Float32Array.from(a.flat()), dims: 4 }, fitGaussian(b)).distance).toBeCloseTo(raw, 4);
    expect(frechetDistance(a, b).counts).toEqual([300, 200]);
  });
});

describe('frechetDistance on samples: identities and invariances', () => {
  const rng = new Rng(21);
  const a = samples(400, 8, rng);
  const b = samples(300, 8, rng, 0.5);
  const base = frechetDistance(a, b).distance;

  test('identical sets give ~0; different sets a clearly positive distance', () => {
    const tr = Array.from(fitGaussian(a).covariance)
      .filter((_, i) => i % 9 === 0)
      .reduce((s, x) => s + x, 0);
    expect(frechetDistance(a, a).distance).toBeLessThan(1e-9 * tr);
    expect(base).toBeGreaterThan(0.1);
  });

  test('symmetric in its two arguments', () => {
    expect(frechetDistance(b, a).distance).toBeCloseTo(base, 9);
  });

  test('unchanged when both sets get the same rotation and translation', () => {
    const q = randomOrthogonal(8, new Rng(8));
    const t = [3, -1, 0, 2, 5, -4, 1, 1];
    expect(frechetDistance(transform(a, q, t), transform(b, q, t)).distance).toBeCloseTo(base, 8);
  });

  test('scaling both sets by c scales the distance by c^2', () => {
    const c = 3;
    const scale = (rows: number[][]): number[][] => rows.map((r) => r.map((x) => c * x));
    expect(frechetDistance(scale(a), scale(b)).distance).toBeCloseTo(c * c * base, 7);
  });

  test('fewer samples than dimensions (singular covariances): finite, >= 0, and 0 for identical sets', () => {
    const few = samples(4, 10, new Rng(2));
    const other = samples(4, 10, new Rng(3), 1);
    const d = frechetDistance(few, other).distance;
    expect(Number.isFinite(d)).toBe(true);
    expect(d).toBeGreaterThan(0);
    expect(frechetDistance(few, few).distance).toBeLessThan(1e-9);
  });
});

describe('frechetDistance: bad input', () => {
  const ok = [
    [0, 1],
    [1, 0],
    [2, 2],
  ];
  test.each<[string, () => unknown, RegExp]>([
    [
      'different dimensions',
      () =>
        frechetDistance(ok, [
          [0, 1, 2],
          [1, 1, 1],
        ]),
      /different dimensions \(2 and 3\)/,
    ],
    ['one sample', () => frechetDistance(ok, [[1, 2]]), /second feature set has 1 feature vector.*at least 2/],
    ['no rows', () => frechetDistance([], ok), /first feature set has no rows/],
    [
      'NaN',
      () =>
        frechetDistance(
          [
            [0, 1],
            [NaN, 0],
          ],
          ok,
        ),
      /row 1, column 0 is NaN; expected finite/,
    ],
    ['Infinity', () => frechetDistance(ok, { values: [0, 1, 2, Infinity], dims: 2 }), /row 1, column 1 is Infinity/],
    ['ragged rows', () => frechetDistance([[0, 1], [1]], ok), /\[1\] has 1 values, expected 2/],
    ['values not a multiple of dims', () => frechetDistance({ values: [1, 2, 3], dims: 2 }, ok), /3 values, not a multiple of dims = 2/],
    [
      'non-symmetric covariance',
      () =>
        frechetDistance(
          gaussian(
            [0, 0],
            [
              [1, 0.5],
              [0.2, 1],
            ],
          ),
          ok,
        ),
      /not symmetric/,
    ],
    ['a bare typed array', () => frechetDistance(new Float32Array(6) as never, ok), /must be feature rows/],
    ['missing argument', () => frechetDistance(ok, undefined as never), /second feature set is undefined/],
    ['fitGaussian of one row', () => fitGaussian([[1, 2, 3]]), /fitGaussian: features has 1 feature vector/],
  ])('%s', (_label, call, message) => {
    expect(call).toThrow(message);
  });
});
