import type { BatchProgress, EpochMetrics } from '../core/train/loop';

const BAR_WIDTH = 24;

function percent(value: number): string {
  return `${(value * 100).toFixed(2)}%`;
}

/**
 * Terminal progress: on a terminal, one bar per epoch redrawn in place after each batch; in a
 * log (no terminal), one line per epoch.
 */
export class ProgressPrinter {
  private readonly interactive: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.interactive = Boolean(stream.isTTY);
  }

  batch(progress: BatchProgress): void {
    if (!this.interactive) return;
    const filled = Math.round((progress.batch / progress.batches) * BAR_WIDTH);
    const bar = '#'.repeat(filled) + '.'.repeat(BAR_WIDTH - filled);
    const line =
      `epoch ${progress.epoch}/${progress.epochs} [${bar}] batch ${progress.batch}/${progress.batches}` +
      `  loss ${progress.loss.toFixed(4)}  acc ${percent(progress.accuracy)}  ${Math.round(progress.samplesPerSecond)} samples/s`;
    this.stream.write(`\r${line}\x1b[K`);
  }

  epoch(metrics: EpochMetrics): void {
    if (this.interactive) this.stream.write('\n');
    this.stream.write(
      `epoch ${metrics.epoch} done in ${metrics.seconds.toFixed(1)} s: train loss ${metrics.trainLoss.toFixed(4)}, ` +
        `train acc ${percent(metrics.trainAccuracy)}, test acc ${percent(metrics.testAccuracyFloat)} as trained, ` +
        `${percent(metrics.testAccuracy)} binary (exportable), ${Math.round(metrics.samplesPerSecond)} samples/s\n`,
    );
  }
}
