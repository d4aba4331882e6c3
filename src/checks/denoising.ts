/**
 * Autograder checks of notebooks 10 and 13 (denoising): the 3 x 3 box filter and the MAP objective.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';
import { AutograderError, pass, callStudent, toNumber, close, fmt, randomImages, newPixelArray, type ScalarLike } from './harness';

/**
 * Checks a 3 x 3 mean ("box") filter `fn(images, rows, cols)` on flat images: every output pixel is
 * the mean of the pixels of its 3 x 3 neighbourhood that lie inside the image (so borders average
 * fewer pixels), each image filtered on its own, input unchanged.
 */
export function checkBoxFilter(fn: (images: Float32Array, rows: number, cols: number) => Float32Array): void {
  const check = 'checkBoxFilter';
  const rng = new Rng(check);
  const rows = 4;
  const cols = 5;
  const count = 2;
  const images = rng.uniformArray(count * rows * cols);
  const copy = images.slice();
  const expected = new Float32Array(images.length);
  for (let k = 0; k < count; k++) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let s = 0;
        let m = 0;
        for (let dr = -1; dr <= 1; dr++) {
          for (let dc = -1; dc <= 1; dc++) {
            const rr = r + dr;
            const cc = c + dc;
            if (rr < 0 || rr >= rows || cc < 0 || cc >= cols) continue;
            s += images[k * rows * cols + rr * cols + cc];
            m += 1;
          }
        }
        expected[k * rows * cols + r * cols + c] = s / m;
      }
    }
  }
  const out = newPixelArray(
    check,
    callStudent(check, `${count} images of ${rows} x ${cols}`, () => fn(images, rows, cols)),
    images.length,
    images,
    copy,
  );
  for (let i = 0; i < out.length; i++) {
    if (!close(out[i], expected[i], 1e-5)) {
      const k = Math.floor(i / (rows * cols));
      const r = Math.floor((i % (rows * cols)) / cols);
      const c = i % cols;
      const border = r === 0 || c === 0 || r === rows - 1 || c === cols - 1;
      throw new AutograderError(
        check,
        `image ${k}, pixel (row ${r}, column ${c}): expected ${fmt(expected[i])}, got ${fmt(out[i])}.` +
          (border
            ? ' At the border, average only the neighbours inside the image (divide by their number, not by 9).'
            : ' Average the 3 x 3 neighbourhood centred on the pixel, reading from the INPUT image (not from pixels already filtered).'),
      );
    }
  }
  pass(check, 'every pixel is the mean of its 3 x 3 neighbourhood inside the image.');
}

/**
 * Checks the MAP objective of 5LSL0 eq. (.4), `fn(noisy, decoded, z, beta)`: per image the squared
 * error summed over pixels plus `beta` times the squared norm of z, averaged over the images.
 */
export function checkMapObjective(fn: (noisy: tf.Tensor2D, decoded: tf.Tensor2D, z: tf.Tensor2D, beta: number) => ScalarLike): void {
  const check = 'checkMapObjective';
  const rng = new Rng('checkMapObjective');
  const n = 3;
  const d = 10;
  const k = 4;
  const noisy = randomImages(rng, n, d, false);
  const decoded = randomImages(rng, n, d, false);
  const z = Array.from({ length: n }, () => Array.from({ length: k }, () => rng.normal()));
  let sse = 0;
  noisy.forEach((row, i) => row.forEach((v, j) => (sse += (v - decoded[i][j]) ** 2)));
  sse /= n;
  let zz = 0;
  z.forEach((row) => row.forEach((v) => (zz += v * v)));
  zz /= n;
  let zNorm = 0;
  z.forEach((row) => (zNorm += Math.sqrt(row.reduce((s, v) => s + v * v, 0))));
  zNorm /= n;
  tf.tidy(() => {
    for (const beta of [0, 0.5, 3]) {
      const expected = sse + beta * zz;
      const got = toNumber(
        check,
        callStudent(check, `beta = ${beta}`, () => fn(tf.tensor2d(noisy), tf.tensor2d(decoded), tf.tensor2d(z), beta)),
      );
      if (!close(got, expected, 1e-4)) {
        let hint = '';
        if (close(got, sse / d + beta * zz, 1e-4)) hint = ' It looks like you averaged the squared error over pixels; eq. (.4) sums it.';
        else if (close(got, sse + beta * zNorm, 1e-4)) hint = ' It looks like you used the norm of z; the prior term is its SQUARED norm.';
        else if (close(got, beta * sse + zz, 1e-4)) hint = ' It looks like beta multiplies the data term instead of the prior term.';
        else if (close(got, n * expected, 1e-4)) hint = ' It looks like you summed over the images; average over them.';
        throw new AutograderError(
          check,
          `with beta = ${beta} expected ${fmt(expected)} (mean over images of ||x - g(z)||^2 = ${fmt(sse)} plus beta * ||z||^2 = ${fmt(zz)}), got ${fmt(got)}.${hint}`,
        );
      }
    }
  });
  pass(check, 'the MAP objective is right for beta = 0, 0.5 and 3.');
}
