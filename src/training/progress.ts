/**
 * Training progress for a terminal and for a notebook cell. In an interactive terminal one line
 * is redrawn in place (`\r`) with a bar, images/s, the ETA and the running loss; elsewhere
 * (notebook cells, logs, CI) only one summary line per epoch is printed, never thousands.
 */
import { inNotebook } from '../util/notebook-context';
import type { EpochMetrics, ProgressOutput } from './types';

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

/** `m:ss` (or `h:mm:ss`) for a number of seconds. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** A loss with 4 significant digits (or exponent notation when tiny or huge). */
export function formatLoss(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4);
}

/** The one-line summary of an epoch, e.g. `epoch 2/10  loss 152.3 (rec 140.1, kl 12.2)  val 150.8 ...  6.8s  4512 img/s`. */
export function formatEpochSummary(m: EpochMetrics, epochs: number): string {
  const parts = [`epoch ${String(m.epoch).padStart(String(epochs).length)}/${epochs}`];
  const terms = (loss: number, rec?: number, kl?: number, acc?: number): string => {
    let s = formatLoss(loss);
    if (kl !== undefined && rec !== undefined) s += ` (rec ${formatLoss(rec)}, kl ${formatLoss(kl)})`;
    if (acc !== undefined) s += ` acc ${acc.toFixed(4)}`;
    return s;
  };
  parts.push(`loss ${terms(m.loss, m.reconstruction, m.kl, m.accuracy)}`);
  if (m.valLoss !== undefined) parts.push(`val ${terms(m.valLoss, m.valReconstruction, m.valKl, m.valAccuracy)}`);
  if (m.beta !== undefined && m.beta !== 1) parts.push(`beta ${m.beta.toPrecision(3)}`);
  parts.push(`${m.seconds.toFixed(1)}s`, `${Math.round(m.imagesPerSecond)} img/s`);
  return parts.join('  ');
}

/** Settings of {@link TrainingProgress}. */
export interface TrainingProgressOptions {
  /** Where progress lines go (a stream-like writer). */
  readonly output: ProgressOutput;
  /** 0 is silent; 1 prints progress and a summary line per epoch. */
  readonly verbose: 0 | 1;
  /** Epochs planned (for `epoch k/N`). */
  readonly epochs: number;
  /** Training images per epoch (for the progress bar). */
  readonly imagesPerEpoch: number;
  /** Force the redrawn bar on/off (default: output.isTTY and not inside a notebook). */
  readonly interactive?: boolean;
}

/** Prints the progress of one training run (see the module comment for what goes where). */
export class TrainingProgress {
  private readonly interactive: boolean;
  private epoch = 0;
  private epochStart = 0;
  private lastDraw = 0;
  private drawnWidth = 0;
  private readonly started = Date.now();

  constructor(private readonly options: TrainingProgressOptions) {
    this.interactive = options.interactive ?? (options.output.isTTY === true && !inNotebook());
  }

  /** Prints one line once, before the first epoch. */
  start(line: string): void {
    if (this.options.verbose > 0) this.options.output.write(`${line}\n`);
  }

  /** Marks the start of 1-based epoch `epoch`. */
  startEpoch(epoch: number): void {
    this.epoch = epoch;
    this.epochStart = Date.now();
    this.lastDraw = 0;
  }

  /** Redraws the bar (interactive output only, at most every 100 ms). */
  update(imagesDone: number, runningLoss?: number): void {
    if (this.options.verbose === 0 || !this.interactive) return;
    const now = Date.now();
    if (now - this.lastDraw < REDRAW_MS && imagesDone < this.options.imagesPerEpoch) return;
    this.lastDraw = now;
    const total = this.options.imagesPerEpoch;
    const frac = Math.min(1, imagesDone / total);
    const filled = Math.round(frac * BAR_WIDTH);
    const elapsed = (now - this.epochStart) / 1000;
    const rate = elapsed > 0 ? imagesDone / elapsed : 0;
    const eta = rate > 0 ? (total - imagesDone) / rate : NaN;
    let line =
      `epoch ${this.epoch}/${this.options.epochs} [${'='.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}] ` +
      `${imagesDone}/${total}  ${Math.round(rate)} img/s  ETA ${formatDuration(eta)}`;
    if (runningLoss !== undefined) line += `  loss ${formatLoss(runningLoss)}`;
    this.draw(line);
  }

  /** Replaces the bar with the epoch's summary line. */
  endEpoch(metrics: EpochMetrics): void {
    if (this.options.verbose === 0) return;
    let line = formatEpochSummary(metrics, this.options.epochs);
    const left = this.options.epochs - metrics.epoch;
    if (left > 0) line += `  ETA ${formatDuration((((Date.now() - this.started) / 1000) * left) / metrics.epoch)}`;
    if (this.interactive) this.draw(line);
    this.options.output.write(this.interactive ? '\n' : `${line}\n`);
    this.drawnWidth = 0;
  }

  /** Prints a message on its own line (ending any bar first). */
  message(line: string): void {
    if (this.options.verbose === 0) return;
    if (this.interactive && this.drawnWidth > 0) this.options.output.write('\n');
    this.drawnWidth = 0;
    this.options.output.write(`${line}\n`);
  }

  private draw(line: string): void {
    const pad = this.drawnWidth > line.length ? ' '.repeat(this.drawnWidth - line.length) : '';
    this.options.output.write(`\r${line}${pad}`);
    this.drawnWidth = line.length;
  }
}
