import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/core/data/dataset';
import { readIdxPair } from '../../src/core/data/node';
import { DataError } from '../../src/core/errors';

// Fashion-MNIST as packaged by Debian's dataset-fashion-mnist.
const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const IMAGES_PATH = join(FASHION_DIR, 't10k-images-idx3-ubyte.gz');
const LABELS_PATH = join(FASHION_DIR, 't10k-labels-idx1-ubyte.gz');

/** Fails with the install command when the Debian files are absent, so the test is never skipped silently. */
function requireFashionFiles(): void {
  for (const path of [IMAGES_PATH, LABELS_PATH]) {
    if (!existsSync(path)) {
      throw new Error(`${path} not found; install it with \`apt-get install dataset-fashion-mnist\``);
    }
  }
}

it('Debian Fashion-MNIST files are installed', () => {
  expect(requireFashionFiles).not.toThrow();
});

describe('Fashion-MNIST t10k files', () => {
  let dataset: Dataset;
  let rawImages: Buffer;
  let rawLabels: Buffer;

  beforeAll(() => {
    requireFashionFiles();
    dataset = readIdxPair(IMAGES_PATH, LABELS_PATH, { classes: 10 });
    // Independent decode: node:zlib and fixed offsets, a 16-byte images header and an 8-byte labels header.
    rawImages = gunzipSync(readFileSync(IMAGES_PATH));
    rawLabels = gunzipSync(readFileSync(LABELS_PATH));
  });

  it('parses to 10,000 samples of 28x28', () => {
    expect(dataset.count).toBe(10_000);
    expect(dataset.sampleShape).toEqual([28, 28]);
    expect(dataset.featureCount).toBe(784);
    expect(dataset.features.length).toBe(10_000 * 784);
    expect(dataset.labels.length).toBe(10_000);
    expect(dataset.classes).toBe(10);
    expect(dataset.name).toBe(IMAGES_PATH);
  });

  it('has 1,000 samples of each class', () => {
    const counts = new Array(10).fill(0);
    for (const label of dataset.labels) counts[label]++;

    expect(counts).toEqual(new Array(10).fill(1000));
  });

  it('matches an independent decode', () => {
    expect(rawImages.readUInt32BE(0)).toBe(0x00000803);
    expect(rawImages.readUInt32BE(4)).toBe(10_000);
    expect(rawLabels.readUInt32BE(0)).toBe(0x00000801);

    for (const [sample, row, column] of [
      [0, 14, 14],
      [0, 20, 10],
      [1, 5, 13],
      [4_321, 12, 7],
      [9_999, 27, 27],
      [9_999, 16, 15],
    ]) {
      const offset = row * 28 + column;
      expect(dataset.features[sample * 784 + offset]).toBe(rawImages[16 + sample * 784 + offset]);
    }
    for (const sample of [0, 1, 2, 5_000, 9_999]) {
      expect(dataset.labels[sample]).toBe(rawLabels[8 + sample]);
    }
    expect(Buffer.from(dataset.features).equals(rawImages.subarray(16))).toBe(true);
  });

  it('contains non-zero pixels', () => {
    // Guards against a reader that returns a zero-filled buffer of the right size.
    const nonZero = dataset.features.reduce((count, value) => count + (value > 0 ? 1 : 0), 0);

    expect(nonZero).toBeGreaterThan(1_000_000);
  });
});

describe('truncated Fashion-MNIST copy', () => {
  let tempDir: string;

  beforeAll(() => {
    requireFashionFiles();
    tempDir = mkdtempSync(join(tmpdir(), 'deeplut-fashion-'));
  });

  afterAll(() => {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  });

  it('fails naming the gzip file', () => {
    const compressed = readFileSync(IMAGES_PATH);
    const cutPath = join(tempDir, 'cut-images-idx3-ubyte.gz');
    writeFileSync(cutPath, compressed.subarray(0, compressed.length / 2));

    let caught: unknown;
    try {
      readIdxPair(cutPath, LABELS_PATH);
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(DataError);
    expect((caught as DataError).message).toContain(cutPath);
    expect((caught as DataError).message).toContain('corrupt gzip data');
  });

  it('fails naming the raw file with byte counts', () => {
    const raw = gunzipSync(readFileSync(IMAGES_PATH));
    const cutPath = join(tempDir, 'cut-images-idx3-ubyte');
    writeFileSync(cutPath, raw.subarray(0, raw.length - 784));

    let caught: unknown;
    try {
      readIdxPair(cutPath, LABELS_PATH);
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(DataError);
    const message = (caught as DataError).message;
    expect(message).toContain(cutPath);
    expect(message).toContain('truncated IDX file');
    expect(message).toContain(`should be ${16 + 10_000 * 784} bytes, but it is ${16 + 9_999 * 784} bytes`);
  });

  it('fails naming a missing file', () => {
    const missing = join(tempDir, 'missing-labels.gz');
    expect(() => readIdxPair(IMAGES_PATH, missing)).toThrow(`${missing}: file not found`);
  });
});
