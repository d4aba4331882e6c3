/**
 * `npm run check-env`: checks that this machine can run the curriculum. Prints the TensorFlow.js
 * backend (and wasm's thread count), the data found (with image and label counts, and whether its checksums were
 * verified) and the versions of Node, TensorFlow.js and tslab. Exits with status 1 and a message saying what is
 * wrong when MNIST or Fashion-MNIST is missing or fails its checksum.
 */
import * as fs from 'fs';
import * as path from 'path';
import { availableCores } from '../../backend/thread-policy';
import { initBackend, wasmThreadCount, WASM_THREADS_ENV } from '../../backend';
import { labelCounts, loadFashionMnist, loadMnist } from '../../data';
import type { LoadedSplits } from '../../data';

/** The installed version of an npm package, or 'not installed'. */
function packageVersion(name: string): string {
  try {
    const file = require.resolve(`${name}/package.json`);
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string };
    return parsed.version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

function describeSplits(name: string, splits: LoadedSplits, ms: number): string {
  const counts = (c: Int32Array): string => Array.from(c).join(' ');
  // Say exactly what happened: "SHA-256 verified (…)" only when every file was hashed and matched.
  return [
    `${name}: ${splits.source.description} (loaded in ${ms} ms)`,
    `  train: ${splits.train.count} images ${splits.train.rows}x${splits.train.cols}, per label ${counts(labelCounts(splits.train))}`,
    `  test:  ${splits.test.count} images ${splits.test.rows}x${splits.test.cols}, per label ${counts(labelCounts(splits.test))}`,
  ].join('\n');
}

async function main(): Promise<number> {
  console.log('vaelab environment check');
  console.log(
    `node ${process.versions.node}, @tensorflow/tfjs ${packageVersion('@tensorflow/tfjs')}, ` +
      `@tensorflow/tfjs-backend-wasm ${packageVersion('@tensorflow/tfjs-backend-wasm')}, ` +
      `@tensorflow/tfjs-node ${packageVersion('@tensorflow/tfjs-node')}, tslab ${packageVersion('tslab')}`,
  );
  const backend = await initBackend({ announce: true });
  if (backend === 'wasm') {
    const asked = process.env[WASM_THREADS_ENV];
    const why = asked ? `${WASM_THREADS_ENV}=${asked}` : `default: one per core, ${availableCores()} core(s); ${WASM_THREADS_ENV}=1 for one`;
    console.log(`backend: wasm, ${wasmThreadCount()} thread(s) (${why})`);
  } else {
    console.log(`backend: ${backend}`);
  }
  let ok = true;
  try {
    const t = Date.now();
    const mnist = loadMnist({ announce: false });
    console.log(describeSplits('MNIST', mnist, Date.now() - t));
    if (mnist.source.dataset !== 'MNIST') {
      console.log(
        `  note: this is not MNIST as the notebooks expect (${mnist.source.dataset === 'unknown' ? 'unknown files' : mnist.source.dataset}).`,
      );
    }
  } catch (e) {
    ok = false;
    console.error(`MNIST: NOT AVAILABLE. ${(e as Error).message}`);
  }
  try {
    const t = Date.now();
    const fashion = loadFashionMnist({ announce: false });
    console.log(describeSplits('Fashion-MNIST (notebook 15)', fashion, Date.now() - t));
  } catch (e) {
    ok = false;
    console.error(`Fashion-MNIST (notebook 15): NOT AVAILABLE. ${(e as Error).message}`);
  }
  const dist = path.resolve(__dirname, '..', '..', 'index.js');
  if (!fs.existsSync(dist) && __filename.endsWith('.js')) console.log('warning: compiled helpers missing; run `npm run build`.');
  console.log(ok ? 'environment OK' : 'environment NOT ready: see the message above.');
  return ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`check-env failed: ${(e as Error).message ?? String(e)}`);
    process.exitCode = 1;
  },
);
