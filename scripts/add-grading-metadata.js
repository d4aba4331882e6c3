#!/usr/bin/env node
/*
 * One-off: declares the points of every check cell of solutions/*.ipynb (cell metadata
 * "vaelab": {"exercise": "7.2", "points": 3}) and adds the hidden checks (cells tagged
 * "hidden-check", right after their exercise's check cell). Safe to run again: metadata is set to
 * the table below, a hidden check whose id is already there is left alone.
 *
 *   npm run build && node scripts/add-grading-metadata.js [--with 09,10]
 *
 * Notebooks 09 and 10 get only the check-cell metadata by default (another author edits their
 * code cells); `--with 09,10` adds their hidden checks too. Then run `npm run students`.
 */
'use strict';
const path = require('path');
const { readNotebook, writeNotebook } = require('../dist/tools/notebook-file');

const ROOT = path.resolve(__dirname, '..');

/** Points per check cell, by notebook and check-cell id: [exercise id, points]. */
const POINTS = {
  '01_autoencoders': { 'mse-check': ['1.1', 2], 'fcn-check': ['1.2', 4] },
  '02_latent_space': { 'centroid-check': ['2.1', 2] },
  '03_latent_classification': { 'nn-check': ['3.1', 3], 'acc-check': ['3.2', 2] },
  '04_encoder_classifier': { 'ce-check': ['4.1', 2] },
  '05_decoder_generator': { 'grid-check': ['5.1', 2] },
  '06_ae_denoising': { 'noise-check': ['6.1', 2] },
  '07_vae': { 'reparam-check': ['7.1', 2], 'kl-check': ['7.2', 3], 'loss-check': ['7.3', 4], 'logstd-check': ['7.4', 1], 'vae-loss-logstd-check': ['7.5', 3] },
  '08_dimensionality_reduction': { 'project-check': ['8.1', 2] },
  '09_generation': { 'grid-check': ['9.1', 2], 'diversity-check': ['9.2', 2] },
  '10_gaussian_denoising': { 'box-check': ['10.1', 2] },
  '11_noise_types': { 'sp-check': ['11.1', 2], 'speckle-check': ['11.2', 2] },
  '12_conv_vs_dense_vae': { 'psnr-check': ['12.1', 2] },
  '13_map_denoising': { 'objective-check': ['13.1', 3] },
  '14_conditional_vae': { 'onehot-check': ['14.1', 1] },
  '15_anomaly_detection': { 'auc-check': ['15.1', 3] },
};

/**
 * Hidden checks: [notebook, exercise, cell id, points, code]. Every expected value is worked out by
 * hand in the comment above it (inputs the visible check does not use).
 */
const HIDDEN = [
  [
    '01_autoencoders',
    '1.1',
    'mse-hidden-check',
    1,
    `// (1-0)^2 + 0 + 0 + (1-0)^2 over 4 elements = 0.5 (summing per image instead: 1); 0.25 + 0.25 + 0 over 3 = 1/6
tf.tidy(() =>
  vl.checkCases('meanSquaredError (hidden)', [
    { what: 'two 2-pixel images against zeros', run: () => meanSquaredError(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[0, 0], [0, 0]])), expected: 0.5, hint: 'Average over every element (images and pixels).' },
    { what: 'one 3-pixel image', run: () => meanSquaredError(tf.tensor2d([[0.5, 0.5, 0.5]]), tf.tensor2d([[0, 1, 0.5]])), expected: 1 / 6 },
  ]),
);`,
  ],
  [
    '02_latent_space',
    '2.1',
    'centroid-hidden-check',
    1,
    `{
  // digit d has the code (d, -d); a second digit 3 at (5, 1) moves digit 3's centroid to ((3 + 5) / 2, (-3 + 1) / 2) = (4, -1)
  const labels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3];
  const codes = new Float32Array([...labels.slice(0, 10).flatMap((d) => [d, -d]), 5, 1]);
  const expected = [0, 0, 1, -1, 2, -2, 4, -1, 4, -4, 5, -5, 6, -6, 7, -7, 8, -8, 9, -9];
  vl.checkCases('digitCentroids (hidden)', [{ what: 'eleven 2-d codes, two of digit 3', run: () => digitCentroids(codes, labels, 2), expected: expected }]);
}`,
  ],
  [
    '03_latent_classification',
    '3.1',
    'nn-hidden-check',
    1,
    `// 1-d codes 0, 10, 20 labelled 7, 8, 9: test codes 1 -> 7, 14 -> 8 (4 < 6), 16 -> 9 (4 < 6), 100 -> 9, -5 -> 7;
// 2-d codes (0, 0) and (3, 4) labelled 1 and 2: (3, 3.9) -> 2, (0.1, 0) -> 1
vl.checkCases('nearestNeighbourLabels (hidden)', [
  { what: '1-d codes', run: () => nearestNeighbourLabels(new Float32Array([0, 10, 20]), [7, 8, 9], new Float32Array([1, 14, 16, 100, -5]), 1), expected: [7, 8, 9, 9, 7] },
  { what: '2-d codes', run: () => nearestNeighbourLabels(new Float32Array([0, 0, 3, 4]), [1, 2], new Float32Array([3, 3.9, 0.1, 0]), 2), expected: [2, 1] },
]);`,
  ],
  [
    '04_encoder_classifier',
    '4.1',
    'ce-hidden-check',
    1,
    `// -(ln 0.5 + ln 0.8) / 2: the true classes 0 and 2 have probabilities 0.5 and 0.8
tf.tidy(() =>
  vl.checkCases('crossEntropy (hidden)', [
    {
      what: 'two images, three classes',
      run: () => crossEntropy(tf.tensor1d([0, 2], 'int32'), tf.tensor2d([[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]])),
      expected: -(Math.log(0.5) + Math.log(0.8)) / 2,
    },
  ]),
);`,
  ],
  [
    '05_decoder_generator',
    '5.1',
    'grid-hidden-check',
    1,
    `// x in {-3, -1, 1} across a row; rows from the top y = 4, 3, 2
vl.checkCases('latentGridCodes (hidden)', [
  {
    what: 'a 3 x 3 grid over [-3, 1] x [2, 4]',
    run: () => latentGridCodes({ min: [-3, 2], max: [1, 4] }, 3),
    expected: [-3, 4, -1, 4, 1, 4, -3, 3, -1, 3, 1, 3, -3, 2, -1, 2, 1, 2],
  },
]);`,
  ],
  [
    '06_ae_denoising',
    '6.1',
    'noise-hidden-check',
    1,
    `// no noise leaves the pixels as they are; pixel 0 and 1 stay in [0, 1] whatever the noise
vl.checkCases('addGaussianNoise (hidden)', [
  { what: 'std 0', run: () => addGaussianNoise(new Float32Array([0.25, 0.5, 1]), 0, new vl.Rng(3)), expected: [0.25, 0.5, 1] },
  {
    what: 'std 1e6 (every pixel clipped to 0 or 1)',
    run: () => Array.from(addGaussianNoise(new Float32Array(200).fill(0.5), 1e6, new vl.Rng(4))).map((v) => (v === 0 || v === 1 ? 1 : 0)),
    expected: new Array(200).fill(1),
    hint: 'Clip every noisy pixel to [0, 1].',
  },
]);`,
  ],
  [
    '07_vae',
    '7.1',
    'reparam-hidden-check',
    1,
    `// sigma = exp(0.5 * logVar) = (1, 2): z = (1 + 1 * 0.5, -1 + 2 * -1) = (1.5, -3)
tf.tidy(() =>
  vl.checkCases('reparameterize (hidden)', [
    { what: 'mu (1, -1), variances (1, 4), eps (0.5, -1)', run: () => reparameterize(tf.tensor2d([[1, -1]]), tf.tensor2d([[0, Math.log(4)]]), tf.tensor2d([[0.5, -1]])), expected: [1.5, -3] },
  ]),
);`,
  ],
  [
    '07_vae',
    '7.2',
    'kl-hidden-check',
    1,
    `// row 1: mu 1, variance 1 -> 0.5; row 2: variance 4 -> -0.5 (1 + ln 4 - 4) = 1.5 - ln 2; mean over the two rows
tf.tidy(() =>
  vl.checkCases('klDivergence (hidden)', [
    { what: 'two rows of two dimensions', run: () => klDivergence(tf.tensor2d([[1, 0], [0, 0]]), tf.tensor2d([[0, 0], [Math.log(4), 0]])), expected: (0.5 + 1.5 - Math.log(2)) / 2, hint: 'KL is never negative: check its sign.' },
  ]),
);`,
  ],
  [
    '07_vae',
    '7.3',
    'loss-hidden-check',
    1,
    `// BCE of target (1, 0) against 0.5, 0.5 is 2 ln 2; KL of mu 1, variance 1 is 0.5; beta 2: 2 ln 2 + 2 * 0.5
tf.tidy(() =>
  vl.checkCases('vaeObjective (hidden)', [
    {
      what: 'one image of two pixels, beta 2',
      run: () => vaeObjective(tf.tensor2d([[1, 0]]), tf.tensor2d([[0.5, 0.5]]), tf.tensor2d([[1]]), tf.tensor2d([[0]]), 2),
      expected: 2 * Math.log(2) + 1,
      hint: 'The loss is reconstruction PLUS beta times the KL.',
    },
  ]),
);`,
  ],
  [
    '07_vae',
    '7.4',
    'logstd-hidden-check',
    1,
    `// sigma = exp(ln 3) = 3: z = 0 + 3 * 2 = 6; KL with sigma 2: -0.5 (1 + 2 ln 2 - 4) = 1.5 - ln 2
tf.tidy(() =>
  vl.checkCases('log-std parameterization (hidden)', [
    { what: 'reparameterizeLogStd, sigma 3, eps 2', run: () => reparameterizeLogStd(tf.tensor2d([[0]]), tf.tensor2d([[Math.log(3)]]), tf.tensor2d([[2]])), expected: 6 },
    { what: 'klDivergenceLogStd, sigma 2', run: () => klDivergenceLogStd(tf.tensor2d([[0]]), tf.tensor2d([[Math.log(2)]])), expected: 1.5 - Math.log(2) },
  ]),
);`,
  ],
  [
    '08_dimensionality_reduction',
    '8.1',
    'project-hidden-check',
    1,
    `// centred images (0, 1, 2) and (-1, -1, -1) on the axes (1, 0, 0) and (0, 0.6, 0.8): (0, 2.2) and (-1, -1.4)
vl.checkCases('projectOnComponents (hidden)', [
  {
    what: 'two 3-pixel images, two axes',
    run: () => projectOnComponents(new Float32Array([1, 2, 3, 0, 0, 0]), new Float32Array([1, 1, 1]), new Float32Array([1, 0, 0, 0, 0.6, 0.8]), 2),
    expected: [0, 2.2, -1, -1.4],
  },
]);`,
  ],
  [
    '09_generation',
    '9.2',
    'diversity-hidden-check',
    1,
    `// 1-pixel images 0, 3, 4: pair distances 3, 4, 1, mean 8/3; (0, 0) and (3, 4): sqrt((9 + 16) / 2)
vl.checkCases('meanPairwiseDistance (hidden)', [
  { what: 'three 1-pixel images', run: () => meanPairwiseDistance(new Float32Array([0, 3, 4]), 1), expected: 8 / 3 },
  { what: 'two 2-pixel images', run: () => meanPairwiseDistance(new Float32Array([0, 0, 3, 4]), 2), expected: Math.sqrt(12.5) },
]);`,
  ],
  [
    '10_gaussian_denoising',
    '10.1',
    'box-hidden-check',
    1,
    `// a 2 x 2 image: every 3 x 3 window holds the whole image (mean 2.5); a 3 x 1 image (0, 3, 6): 1.5, 3, 4.5
vl.checkCases('boxFilter3x3 (hidden)', [
  { what: 'two 2 x 2 images', run: () => boxFilter3x3(new Float32Array([1, 2, 3, 4, 0, 0, 0, 4]), 2, 2), expected: [2.5, 2.5, 2.5, 2.5, 1, 1, 1, 1] },
  { what: 'a 3 x 1 image', run: () => boxFilter3x3(new Float32Array([0, 3, 6]), 3, 1), expected: [1.5, 3, 4.5], hint: 'At the border divide by the pixels inside the image.' },
]);`,
  ],
  [
    '11_noise_types',
    '11.1',
    'sp-hidden-check',
    1,
    `// no noise: unchanged; salt 1: every pixel white; pepper 1: every pixel black
vl.checkCases('saltAndPepper (hidden)', [
  { what: 'salt 0, pepper 0', run: () => saltAndPepper(new Float32Array([0.3, 0.6]), 0, 0, new vl.Rng(1)), expected: [0.3, 0.6] },
  { what: 'salt 1, pepper 0', run: () => saltAndPepper(new Float32Array([0.3, 0.6, 0]), 1, 0, new vl.Rng(2)), expected: [1, 1, 1] },
  { what: 'salt 0, pepper 1', run: () => saltAndPepper(new Float32Array([0.3, 0.6, 1]), 0, 1, new vl.Rng(3)), expected: [0, 0, 0] },
]);`,
  ],
  [
    '12_conv_vs_dense_vae',
    '12.1',
    'psnr-hidden-check',
    1,
    `// image 1: MSE 0.01 -> 20 dB; image 2: MSE 0.005 -> 10 log10(200) dB; their mean (not the PSNR of the mean MSE)
vl.checkCases('meanPsnr (hidden)', [
  {
    what: 'two 2-pixel images',
    run: () => meanPsnr(new Float32Array([1, 1, 0, 0]), new Float32Array([0.9, 0.9, 0, 0.1]), 2),
    expected: (20 + 10 * Math.log10(200)) / 2,
    tolerance: 1e-3,
    hint: 'Average the PSNR of each image.',
  },
]);`,
  ],
  [
    '13_map_denoising',
    '13.1',
    'objective-hidden-check',
    1,
    `// row 1: data 1, prior 1 + 4 = 5, beta 0.5 -> 3.5; row 2: data 1, prior 0 -> 1; mean 2.25
tf.tidy(() =>
  vl.checkCases('mapObjective (hidden)', [
    {
      what: 'two images, beta 0.5',
      run: () => mapObjective(tf.tensor2d([[1, 0], [0, 0]]), tf.tensor2d([[0, 0], [0, 1]]), tf.tensor2d([[1, 2], [0, 0]]), 0.5),
      expected: 2.25,
    },
  ]),
);`,
  ],
  [
    '14_conditional_vae',
    '14.1',
    'onehot-hidden-check',
    1,
    `vl.checkCases('oneHotLabels (hidden)', [
  { what: 'labels 2, 0 of 3 classes', run: () => oneHotLabels([2, 0], 3), expected: [0, 0, 1, 1, 0, 0] },
  { what: 'label 1 of 2 classes', run: () => oneHotLabels(new Int32Array([1]), 2), expected: [0, 1] },
]);`,
  ],
  [
    '15_anomaly_detection',
    '15.1',
    'auc-hidden-check',
    1,
    `// anomalies 0.9, 0.5 against normals 0.1, 0.5: pairs 1 + 1 + 1 + 0.5 (a tie) over 4
vl.checkCases('aucFromScores (hidden)', [
  { what: 'a tie between classes', run: () => aucFromScores([0.9, 0.1, 0.5, 0.5], [true, false, true, false]), expected: 0.875, hint: 'A tie counts one half.' },
]);`,
  ],
];

function main() {
  const withIndex = process.argv.indexOf('--with');
  const withExtra = withIndex >= 0 ? (process.argv[withIndex + 1] ?? '').split(',') : [];
  const held = ['09', '10'].filter((p) => !withExtra.includes(p));
  for (const [name, table] of Object.entries(POINTS)) {
    const file = path.join(ROOT, 'solutions', `${name}.ipynb`);
    const nb = readNotebook(file);
    for (const [id, [exercise, points]] of Object.entries(table)) {
      const cell = nb.cells.find((c) => c.id === id);
      if (!cell || !(cell.metadata.tags ?? []).includes('check')) throw new Error(`${name}: no check cell with id ${id}`);
      cell.metadata.vaelab = { ...(cell.metadata.vaelab ?? {}), exercise, points };
    }
    if (!held.some((p) => name.startsWith(p))) {
      for (const [nbName, exercise, id, points, code] of HIDDEN) {
        if (nbName !== name || nb.cells.some((c) => c.id === id)) continue;
        const checkId = Object.entries(table).find(([, [e]]) => e === exercise)[0];
        const at = nb.cells.findIndex((c) => c.id === checkId);
        nb.cells.splice(at + 1, 0, {
          cell_type: 'code',
          execution_count: null,
          id,
          metadata: { tags: ['hidden-check'], vaelab: { exercise, points } },
          outputs: [],
          source: code,
        });
      }
    }
    writeNotebook(file, nb);
    const hidden = nb.cells.filter((c) => (c.metadata.tags ?? []).includes('hidden-check')).length;
    console.log(`${name}: ${Object.keys(table).length} check cell(s), ${hidden} hidden check(s)`);
  }
}

main();
