/** Losses of vaelab: reconstruction, KL and VAE objective, classification. */
export * from './reconstruction';
export * from './kl';
export * from './vae';
export * from '../models/classification';
export * from './autoencoder-loss';
