import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors';
import { idxPairToDataset, parseIdx } from '../../src/core/data/idx';

/** Builds an IDX file byte by byte: magic 00 00 <type> <rank>, big-endian dims, then values. */
function idxBytes(typeCode: number, dims: number[], values: number[]): Uint8Array {
  const bytes: number[] = [0, 0, typeCode, dims.length];
  for (const size of dims) bytes.push((size >>> 24) & 0xff, (size >>> 16) & 0xff, (size >>> 8) & 0xff, size & 0xff);
  bytes.push(...values);
  return new Uint8Array(bytes);
}

// Two 2x3 images and their labels.
const PIXELS = [0, 1, 2, 127, 128, 255, 10, 20, 30, 40, 50, 60];
const IMAGES = idxBytes(0x08, [2, 2, 3], PIXELS);
const LABELS = idxBytes(0x08, [2], [7, 3]);
const NAMES = { imagesName: 'tiny-images.idx', labelsName: 'tiny-labels.idx' };

/** Runs `fn` and returns the DataError it raises; fails the test when it raises nothing else. */
function dataErrorOf(fn: () => unknown): DataError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return error as DataError;
  }
  throw new Error('expected a DataError, but the call returned normally');
}

describe('parseIdx', () => {
  it('reads a hand-built images file', () => {
    const parsed = parseIdx(IMAGES, 'tiny-images.idx');

    expect(parsed.dims).toEqual([2, 2, 3]);
    expect(Array.from(parsed.data)).toEqual(PIXELS);
  });

  it('reads gzip and raw files alike', () => {
    const raw = parseIdx(IMAGES, 'tiny-images.idx');
    const gzipped = parseIdx(gzipSync(IMAGES), 'tiny-images.idx.gz');

    expect(gzipped.dims).toEqual(raw.dims);
    expect(Array.from(gzipped.data)).toEqual(Array.from(raw.data));
  });

  it('rejects a wrong magic number', () => {
    const bytes = IMAGES.slice();
    bytes[0] = 0x50;
    const error = dataErrorOf(() => parseIdx(bytes, 'bad-magic.idx'));

    expect(error.message).toContain('bad-magic.idx');
    expect(error.message).toContain('not an IDX file');
    expect(error.message).toContain('50 00 08 03');
  });

  it('rejects non-uint8 data types', () => {
    const error = dataErrorOf(() => parseIdx(idxBytes(0x0d, [1], [0, 0, 0, 0]), 'floats.idx'));

    expect(error.message).toContain('floats.idx');
    expect(error.message).toContain('unsupported IDX data type 0x0d (float32)');
  });

  it('rejects a truncated header', () => {
    const error = dataErrorOf(() => parseIdx(IMAGES.subarray(0, 10), 'short-header.idx'));

    expect(error.message).toContain('short-header.idx');
    expect(error.message).toContain('truncated IDX file');
    expect(error.message).toContain('needs 16 bytes');
  });

  it('rejects trailing bytes', () => {
    const bytes = new Uint8Array([...IMAGES, 99, 99]);
    const error = dataErrorOf(() => parseIdx(bytes, 'long.idx'));

    expect(error.message).toContain('long.idx');
    expect(error.message).toContain('2 trailing bytes');
    expect(error.message).toContain('should be 28 bytes, but it is 30 bytes');
  });

  it('rejects corrupt gzip data', () => {
    const gzipped = gzipSync(IMAGES);
    const cut = dataErrorOf(() => parseIdx(gzipped.subarray(0, gzipped.length - 10), 'cut.idx.gz'));
    const flipped = gzipped.slice();
    flipped[gzipped.length - 8] ^= 0xff;
    const badCrc = dataErrorOf(() => parseIdx(flipped, 'crc.idx.gz'));
    const stub = dataErrorOf(() => parseIdx(new Uint8Array([0x1f, 0x8b, 8, 0]), 'stub.idx.gz'));

    expect(cut.message).toContain('cut.idx.gz');
    expect(cut.message).toContain('corrupt gzip data');
    expect(badCrc.message).toContain('crc.idx.gz');
    expect(badCrc.message).toContain('corrupt gzip data: CRC-32');
    expect(stub.message).toContain('stub.idx.gz');
    expect(stub.message).toContain('corrupt gzip data');
  });
});

describe('idxPairToDataset', () => {
  it('builds a dataset from a hand-built pair', () => {
    const dataset = idxPairToDataset(IMAGES, LABELS, { ...NAMES, name: 'tiny' });

    expect(dataset.name).toBe('tiny');
    expect(dataset.count).toBe(2);
    expect(dataset.sampleShape).toEqual([2, 3]);
    expect(dataset.featureCount).toBe(6);
    expect(Array.from(dataset.features)).toEqual(PIXELS);
    expect(Array.from(dataset.labels)).toEqual([7, 3]);
    expect(dataset.classes).toBe(8);
  });

  it('names the images file by default', () => {
    expect(idxPairToDataset(IMAGES, LABELS, NAMES).name).toBe('tiny-images.idx');
  });

  it('rejects truncated images', () => {
    const error = dataErrorOf(() => idxPairToDataset(IMAGES.subarray(0, IMAGES.length - 1), LABELS, NAMES));

    expect(error.message).toContain('tiny-images.idx');
    expect(error.message).toContain('truncated IDX file');
    expect(error.message).toContain('should be 28 bytes, but it is 27 bytes');
  });

  it('rejects truncated labels', () => {
    const error = dataErrorOf(() => idxPairToDataset(IMAGES, LABELS.subarray(0, LABELS.length - 1), NAMES));

    expect(error.message).toContain('tiny-labels.idx');
    expect(error.message).toContain('truncated IDX file');
    expect(error.message).toContain('should be 10 bytes, but it is 9 bytes');
  });

  it('rejects bad magic in the labels file', () => {
    const labels = LABELS.slice();
    labels[1] = 0x01;
    const error = dataErrorOf(() => idxPairToDataset(IMAGES, labels, NAMES));

    expect(error.message).toContain('tiny-labels.idx');
    expect(error.message).toContain('not an IDX file');
  });

  it('rejects a count mismatch', () => {
    const threeLabels = idxBytes(0x08, [3], [1, 2, 3]);
    const error = dataErrorOf(() => idxPairToDataset(IMAGES, threeLabels, NAMES));

    expect(error.message).toContain('tiny-images.idx contains 2 images');
    expect(error.message).toContain('tiny-labels.idx contains 3 labels');
  });

  it('rejects label 11 with 10 classes', () => {
    const labels = idxBytes(0x08, [2], [4, 11]);
    const error = dataErrorOf(() => idxPairToDataset(IMAGES, labels, { ...NAMES, classes: 10 }));

    expect(error.message).toContain('tiny-labels.idx');
    expect(error.message).toContain('label of sample 1 is 11');
    expect(error.message).toContain('outside 0..9 for 10 classes');
  });

  it('rejects an invalid class count', () => {
    const error = dataErrorOf(() => idxPairToDataset(IMAGES, LABELS, { ...NAMES, classes: 300 }));

    expect(error.message).toContain('invalid class count 300');
  });

  it('rejects zero samples', () => {
    const error = dataErrorOf(() =>
      idxPairToDataset(idxBytes(0x08, [0, 2, 3], []), idxBytes(0x08, [0], []), NAMES),
    );

    expect(error.message).toContain('tiny-images.idx: contains 0 samples');
  });

  it('rejects swapped files', () => {
    const error = dataErrorOf(() => idxPairToDataset(LABELS, IMAGES, NAMES));

    expect(error.message).toContain('tiny-images.idx');
    expect(error.message).toContain('not swapped');
  });
});
