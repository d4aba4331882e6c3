/** Text summaries of tfjs LayersModels (captured instead of printed). */
import type * as tf from '@tensorflow/tfjs';

/** The `model.summary()` table of a LayersModel as a string (nothing is printed). */
export function layersModelSummary(model: tf.LayersModel, lineLength = 100): string {
  const lines: string[] = [];
  model.summary(lineLength, undefined, (...msg: unknown[]) => lines.push(msg.map(String).join(' ')));
  return lines.join('\n');
}
