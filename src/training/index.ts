/** Training: the one training loop (`train`), the optimizer factory, checkpoints and the training cache. */
export * from './types';
export * from './optimizer';
export * from './errors';
export * from './progress';
export * from './train';
