/** Rebuilding any vaelab autoencoder from its plain-JSON config (for checkpoints and caches). */
import type { LayersAutoencoder } from './autoencoder';
import type { AutoencoderConfig } from './config';
import { buildConvAutoencoder5lsl0, resolveConvAutoencoder5lsl0Config } from './conv-5lsl0';
import { buildStridedConvAutoencoder, resolveStridedConvAutoencoderConfig } from './conv-ae-strided';
import { buildConditionalVae, resolveConditionalVaeConfig } from './cvae';
import { buildDenseAutoencoder, resolveDenseAutoencoderConfig } from './dense';
import { buildConvVae, resolveConvVaeConfig } from './vae-conv';
import { buildConv5lsl0Vae, resolveConv5lsl0VaeConfig } from './vae-conv-5lsl0';
import { buildDenseVae, resolveDenseVaeConfig } from './vae-dense';

/**
 * Builds the model `config` describes (e.g. `model.config` saved in a checkpoint): same
 * architecture, and the same initial weights for the same seed. The config is re-checked,
 * so a hand-edited or corrupted one fails with a clear error.
 */
export function buildAutoencoder(config: AutoencoderConfig): LayersAutoencoder {
  if (config == null || typeof config !== 'object') {
    throw new TypeError(`buildAutoencoder: expected a model config object, got ${String(config)}`);
  }
  switch (config.type) {
    case 'denseAutoencoder':
      return buildDenseAutoencoder(resolveDenseAutoencoderConfig(config));
    case 'convAutoencoder5lsl0':
      return buildConvAutoencoder5lsl0(resolveConvAutoencoder5lsl0Config(config));
    case 'stridedConvAutoencoder':
      return buildStridedConvAutoencoder(resolveStridedConvAutoencoderConfig(config));
    case 'denseVae':
      return buildDenseVae(resolveDenseVaeConfig(config));
    case 'convVae':
      return buildConvVae(resolveConvVaeConfig(config));
    case 'conv5lsl0Vae':
      return buildConv5lsl0Vae(resolveConv5lsl0VaeConfig(config));
    case 'conditionalVae':
      return buildConditionalVae(resolveConditionalVaeConfig(config));
    default: {
      const t = (config as { type?: unknown }).type;
      throw new TypeError(
        `buildAutoencoder: unknown model type '${String(t)}'; expected denseAutoencoder, convAutoencoder5lsl0, stridedConvAutoencoder, denseVae, convVae, conv5lsl0Vae or conditionalVae`,
      );
    }
  }
}
