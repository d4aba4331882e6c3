/** Training: the one training loop (`train`), the optimizer factory, checkpoints and the training cache. */
export * from './types';
export * from './optimizer';
export * from './errors';
export { TrainingProgress, formatEpochSummary, type TrainingProgressOptions } from './progress';
export * from './train';
export { CheckpointError, checkpointIOHandler, type CheckpointIOHandler } from './io-handler';
export * from './checkpoint';
export * from './cache';
