/** Errors of the training engine. */
import type { TrainHistory } from './types';

/**
 * Thrown by `train` when a batch's loss is NaN or infinite. Says which epoch and batch; the
 * model has been reset to the last weights checked with a finite loss, and `history` holds the
 * epochs finished before.
 */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';

  constructor(
    message: string,
    /** 1-based epoch of the bad batch. */
    readonly epoch: number,
    /** 1-based batch (within the epoch) whose loss was not finite. */
    readonly batch: number,
    /** The loss value read (NaN or +-Infinity). */
    readonly value: number,
    /** The epochs completed before the failure. */
    readonly history: TrainHistory,
  ) {
    super(message);
  }
}
