import { DataError } from '../errors';
import type { Random } from '../random';
import type { DataSplit, Dataset } from './dataset';

/**
 * Copies the samples at `indices`, in that order, into a new Dataset with the same shape and
 * classes. Raises a DataError when an index is not an integer in 0..count-1.
 */
export function subsetDataset(dataset: Dataset, indices: ArrayLike<number>, name = dataset.name): Dataset {
  const { featureCount } = dataset;
  const features = new Uint8Array(indices.length * featureCount);
  const labels = new Uint8Array(indices.length);

  for (let i = 0; i < indices.length; i++) {
    const s = indices[i];
    if (!Number.isInteger(s) || s < 0 || s >= dataset.count) {
      throw new DataError(
        `invalid sample index ${s} at position ${i} for ${dataset.name}: expected an integer in 0..${dataset.count - 1}`,
      );
    }
    features.set(dataset.features.subarray(s * featureCount, (s + 1) * featureCount), i * featureCount);
    labels[i] = dataset.labels[s];
  }

  return {
    name,
    sampleShape: [...dataset.sampleShape],
    featureCount,
    count: indices.length,
    features,
    labels,
    classes: dataset.classes,
  };
}

/**
 * Shuffles the sample order with `rng` (one `rng.permutation(count)` draw), then takes the first
 * `trainCount` samples as the train set and the next `testCount` as the test set, so the two
 * are disjoint. The same dataset and seed always give the same split. Raises a DataError when
 * a count is not a non-negative integer or the two together exceed the dataset.
 */
export function splitDataset(dataset: Dataset, trainCount: number, testCount: number, rng: Random): DataSplit {
  for (const [label, value] of [['train', trainCount], ['test', testCount]] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new DataError(`invalid ${label} count ${value} for ${dataset.name}: expected a non-negative integer`);
    }
  }
  if (trainCount + testCount > dataset.count) {
    throw new DataError(
      `${dataset.name} contains ${dataset.count} samples, fewer than the ${trainCount} train + ${testCount} test ` +
        `samples requested; lower the train or test count`,
    );
  }

  const order = rng.permutation(dataset.count);

  return {
    train: subsetDataset(dataset, order.subarray(0, trainCount), `${dataset.name} (train)`),
    test: subsetDataset(dataset, order.subarray(trainCount, trainCount + testCount), `${dataset.name} (test)`),
  };
}
