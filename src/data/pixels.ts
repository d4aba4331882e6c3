/** The one check that image pixels are what every model, loss and noise of vaelab expects: finite numbers in [0, 1]. */

/**
 * Throws a RangeError unless every value of `pixels` is a finite number in [0, 1]. One pass over
 * the array (a second one only to describe the range when the check fails). The message names
 * `who` and `what`, where the first bad value is (image and pixel when `pixelsPerImage` is given),
 * the range found, and what is expected; 0-255 data gets the hint to divide by 255.
 */
export function checkUnitPixels(who: string, what: string, pixels: ArrayLike<number>, pixelsPerImage?: number): void {
  const n = pixels.length;
  let bad = -1;
  for (let i = 0; i < n; i++) {
    const v = pixels[i];
    if (!(v >= 0 && v <= 1)) {
      bad = i;
      break;
    }
  }
  if (bad < 0) return;
  const where =
    pixelsPerImage !== undefined && pixelsPerImage > 0
      ? `image ${Math.floor(bad / pixelsPerImage)}, pixel ${bad % pixelsPerImage}`
      : `index ${bad}`;
  const first = pixels[bad];
  if (!Number.isFinite(first)) {
    throw new RangeError(
      `${who}: ${what} holds a non-finite pixel value (${first}) at ${where}; expected finite pixel values in [0, 1].`,
    );
  }
  let min = Infinity;
  let max = -Infinity;
  let nonFinite = 0;
  for (let i = 0; i < n; i++) {
    const v = pixels[i];
    if (!Number.isFinite(v)) nonFinite++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const bytes = min >= 0 && max > 1 && max <= 255;
  throw new RangeError(
    `${who}: ${what} holds pixel values outside [0, 1]: the values range from ${min} to ${max}` +
      (nonFinite > 0 ? ` (and ${nonFinite} are not finite)` : '') +
      `, the first bad one is ${first} at ${where}; expected pixel values scaled to [0, 1]` +
      (bytes ? ' (these look like 0-255 bytes: divide them by 255).' : '.'),
  );
}
