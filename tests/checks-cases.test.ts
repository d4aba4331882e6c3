/** vl.checkCases: known-answer cases worked out by hand, as the instructors' hidden checks use them. */
import * as tf from '@tensorflow/tfjs';
import { AutograderError, checkCases } from '../src/checks';
import { NOT_IMPLEMENTED_PREFIX } from '../src/checks/harness';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let log: jest.SpyInstance;
beforeEach(() => {
  log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => log.mockRestore());

/** The mean of squared differences, written out: [[1, 0], [0, 1]] against zeros is 2 / 4 = 0.5. */
const mse = (a: number[][], b: number[][]) => tf.tidy(() => tf.mean(tf.squaredDifference(tf.tensor2d(a), tf.tensor2d(b))));

describe('checkCases', () => {
  test('passes a correct function on every case and prints the pass line naming the cases', () => {
    checkCases('hiddenMse', [
      {
        what: 'identity against zeros',
        run: () =>
          mse(
            [
              [1, 0],
              [0, 1],
            ],
            [
              [0, 0],
              [0, 0],
            ],
          ),
        expected: 0.5,
      },
      { what: 'three pixels', run: () => mse([[0.5, 0.5, 0.5]], [[0, 1, 0.5]]), expected: 1 / 6 },
      { what: 'a typed array', run: () => new Float32Array([1.5, -3]), expected: [1.5, -3] },
      {
        what: 'rows',
        run: () => [
          [1, 2],
          [3, 4],
        ],
        expected: [
          [1, 2],
          [3, 4],
        ],
      },
    ]);
    expect(log).toHaveBeenCalledTimes(1);
    const line = String(log.mock.calls[0][0]);
    expect(line).toMatch(/^\u2714 hiddenMse passed: 4 known-answer case\(s\): identity against zeros; three pixels; a typed array; rows\.$/);
  });

  test('names the case, the first differing value, the expected value and the hint', () => {
    // sum over the row instead of the mean: 1 + 1 = 2 per row, mean over two rows 1, not 0.5
    const wrong = () =>
      tf.tidy(() =>
        tf.mean(
          tf.sum(
            tf.squaredDifference(
              tf.tensor2d([
                [1, 0],
                [0, 1],
              ]),
              tf.zeros([2, 2]),
            ),
            1,
          ),
        ),
      );
    let error: unknown;
    try {
      checkCases('hiddenMse', [{ what: 'identity against zeros', run: wrong, expected: 0.5, hint: 'Average over every pixel.' }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AutograderError);
    expect((error as Error).message).toBe('hiddenMse: on identity against zeros: got 1, expected 0.5. Average over every pixel.');
    expect(() => checkCases('c', [{ what: 'pair', run: () => [1, 5], expected: [1, 2] }])).toThrow('c: on pair: value 1 is 5, expected 2.');
  });

  test('a later failing case fails the check even when the first passes; nothing is printed', () => {
    expect(() =>
      checkCases('c', [
        { what: 'first', run: () => 1, expected: 1 },
        { what: 'second', run: () => 3, expected: 2 },
      ]),
    ).toThrow('c: on second: got 3, expected 2.');
    expect(log).not.toHaveBeenCalled();
  });

  test('wrong length, no numbers, a thrown error and tolerance', () => {
    expect(() => checkCases('c', [{ what: 'grid', run: () => new Float32Array(3), expected: [0, 0, 0, 0] }])).toThrow(
      'c: on grid: expected 4 value(s), got 3.',
    );
    expect(() => checkCases('c', [{ what: 'x', run: () => undefined, expected: 1 }])).toThrow(
      'c: on x: expected numbers back, got undefined (did you forget to return the result?).',
    );
    expect(() =>
      checkCases('c', [
        {
          what: 'x',
          run: () => {
            throw new TypeError('boom');
          },
          expected: 1,
        },
      ]),
    ).toThrow('c: your function threw an error when called with x: boom');
    // 1.001 is within a relative 1e-2 of 1, not within the default 1e-4
    expect(() => checkCases('c', [{ what: 'x', run: () => 1.001, expected: 1, tolerance: 1e-2 }])).not.toThrow();
    expect(() => checkCases('c', [{ what: 'x', run: () => 1.001, expected: 1 }])).toThrow(AutograderError);
  });

  test('a "not implemented yet" stub passes through untouched', () => {
    const stub = new Error(`${NOT_IMPLEMENTED_PREFIX}: f. Replace the stub.`);
    expect(() =>
      checkCases('c', [
        {
          what: 'x',
          run: () => {
            throw stub;
          },
          expected: 1,
        },
      ]),
    ).toThrow(stub);
  });

  test("a check without cases or a case without expected numbers is the instructor's error", () => {
    expect(() => checkCases('c', [])).toThrow('checkCases(c): expected at least one case, got none');
    expect(() => checkCases('c', [{ what: 'x', run: () => 1, expected: [] }])).toThrow('checkCases(c): the case "x" has no expected numbers');
  });
});
