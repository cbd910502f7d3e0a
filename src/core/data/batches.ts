/**
 * Seeded epoch shuffling and batching. A training loop draws one order per epoch, from a
 * stream such as `rng.derive('epoch.3')` for epoch 3, so each epoch's order depends only on the
 * seed and the epoch number.
 */
import { DataError } from '../errors';
import type { Random } from '../random';
import type { Dataset } from './dataset';
import { DEFAULT_SIGN_THRESHOLD, signEncode } from './encoders';

/** One batch ready for the model: inputs row-major [size, featureCount] of ±1, and class labels. */
export interface Batch {
  /** Number of samples in the batch. */
  size: number;
  /** Sign-encoded features, ±1, sample-major. */
  inputs: Float32Array;
  /** Class of each sample, as int32 for `tf.oneHot`. */
  labels: Int32Array;
}

/** Returns the sample indices 0..count-1 in an order shuffled by `rng`. */
export function epochOrder(count: number, rng: Random): Int32Array {
  return rng.permutation(count);
}

/**
 * Cuts `order` into consecutive batches of `batchSize` indices. The last batch contains the
 * remainder and is kept even when it is smaller. The batches are views into `order`.
 */
export function batchIndices(order: Int32Array, batchSize: number): Int32Array[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new DataError(`invalid batch size ${batchSize}: expected a positive integer`);
  }

  const batches: Int32Array[] = [];
  for (let start = 0; start < order.length; start += batchSize) {
    batches.push(order.subarray(start, Math.min(start + batchSize, order.length)));
  }
  return batches;
}

/** Shuffles 0..count-1 with `rng` and cuts the order into batches as `batchIndices` does. */
export function epochBatches(count: number, batchSize: number, rng: Random): Int32Array[] {
  return batchIndices(epochOrder(count, rng), batchSize);
}

/**
 * Gathers the samples at `indices` into one batch, sign-encoding the features with
 * `threshold` (+1 where feature > threshold, else -1).
 */
export function gatherBatch(dataset: Dataset, indices: ArrayLike<number>, threshold = DEFAULT_SIGN_THRESHOLD): Batch {
  const { featureCount } = dataset;
  const inputs = new Float32Array(indices.length * featureCount);
  const labels = new Int32Array(indices.length);

  for (let i = 0; i < indices.length; i++) {
    const s = indices[i];
    if (!Number.isInteger(s) || s < 0 || s >= dataset.count) {
      throw new DataError(
        `invalid sample index ${s} at batch position ${i} for ${dataset.name}: expected an integer in 0..${dataset.count - 1}`,
      );
    }
    signEncode(
      dataset.features.subarray(s * featureCount, (s + 1) * featureCount),
      threshold,
      inputs.subarray(i * featureCount, (i + 1) * featureCount),
    );
    labels[i] = dataset.labels[s];
  }

  return { size: indices.length, inputs, labels };
}
