import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset';

/**
 * Encodes samples `order[start, end)` with the sign encoder into a [batch, features] tensor of
 * ±1 (feature > threshold gives +1) and returns their labels.
 */
export function encodeBatch(data: Dataset, order: ArrayLike<number>, start: number, end: number, threshold: number): { x: tf.Tensor2D; labels: Int32Array } {
  const count = end - start;
  const width = data.featureCount;
  const values = new Float32Array(count * width);
  const labels = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    const sample = order[start + r];
    const offset = sample * width;
    for (let f = 0; f < width; f++) values[r * width + f] = data.features[offset + f] > threshold ? 1 : -1;
    labels[r] = data.labels[sample];
  }
  return { x: tf.tensor2d(values, [count, width]), labels };
}

/** Index of the largest value of each row; the lowest index wins ties, as in the exported hardware. */
export function argmaxRows(values: Float32Array | Int32Array, rows: number, columns: number): Int32Array {
  const result = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestValue = values[r * columns];
    for (let c = 1; c < columns; c++) {
      const v = values[r * columns + c];
      if (v > bestValue) {
        best = c;
        bestValue = v;
      }
    }
    result[r] = best;
  }
  return result;
}
