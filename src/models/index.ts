/** Models of vaelab: the autoencoder contract, every course model's builder, the 5LSL0 checker. */
export * from './types';
export * from './config';
export * from './autoencoder';
export { autoencoderForward } from './forward';
export { reparameterize } from './reparameterize';
export * from './dense';
export * from './presets';
export * from './conv-5lsl0';
export * from './conv-ae-strided';
export * from './constraints';
export * from './classifier';
export * from './vae-dense';
export * from './vae-conv';
export * from './cvae';
export * from './build';
export { layersModelSummary } from './summary';
export { SeededInitializers, type WeightInitializer } from './init';
