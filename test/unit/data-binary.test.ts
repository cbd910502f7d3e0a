import { describe, expect, it } from 'vitest';
import { decodeDatasetBinary, encodeDatasetBinary } from '../../src/core/data/binary';
import type { Dataset } from '../../src/core/data/dataset';
import { DataError } from '../../src/core/errors';

// Three 2x2 samples; header is 20 fixed bytes + 2 dims * 4 = 28 bytes, then 12 + 3 bytes.
const dataset: Dataset = {
  name: 'tiny',
  sampleShape: [2, 2],
  featureCount: 4,
  count: 3,
  features: new Uint8Array([0, 1, 2, 3, 100, 101, 102, 103, 252, 253, 254, 255]),
  labels: new Uint8Array([4, 0, 9]),
  classes: 10,
};

/** Runs `fn` and returns the message of the DataError it raises. */
function dataErrorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return (error as DataError).message;
  }
  throw new Error('expected a DataError, but the call returned normally');
}

describe('dataset binary', () => {
  it('round-trips a dataset', () => {
    const decoded = decodeDatasetBinary(encodeDatasetBinary(dataset), 'tiny.bin');

    expect(decoded.name).toBe('tiny.bin');
    expect(decoded.sampleShape).toEqual([2, 2]);
    expect(decoded.featureCount).toBe(4);
    expect(decoded.count).toBe(3);
    expect(decoded.classes).toBe(10);
    expect(Array.from(decoded.features)).toEqual(Array.from(dataset.features));
    expect(Array.from(decoded.labels)).toEqual(Array.from(dataset.labels));
  });

  it('writes the documented header', () => {
    const bytes = encodeDatasetBinary(dataset);
    const view = new DataView(bytes.buffer);

    expect(bytes.length).toBe(28 + 12 + 3);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x44, 0x4c, 0x44, 0x53]);
    expect([1, 2, 3, 4, 5, 6].map((word) => view.getUint32(4 * word, true))).toEqual([1, 3, 10, 2, 2, 2]);
    expect(bytes[28]).toBe(0);
    expect(bytes[40]).toBe(4);
  });

  it('decodes from an offset view', () => {
    const encoded = encodeDatasetBinary(dataset);
    const padded = new Uint8Array(encoded.length + 5);
    padded.set(encoded, 5);

    expect(Array.from(decodeDatasetBinary(padded.subarray(5), 'view.bin').labels)).toEqual([4, 0, 9]);
  });

  it('rejects a bad magic number', () => {
    const bytes = encodeDatasetBinary(dataset);
    bytes[0] = 0x00;

    expect(dataErrorMessage(() => decodeDatasetBinary(bytes, 'x.bin'))).toContain(
      'x.bin: not a DeepLUT dataset binary: magic number is 00 4c 44 53',
    );
  });

  it('rejects an unknown version', () => {
    const bytes = encodeDatasetBinary(dataset);
    bytes[4] = 2;

    expect(dataErrorMessage(() => decodeDatasetBinary(bytes, 'x.bin'))).toContain(
      'x.bin: unsupported dataset binary version 2',
    );
  });

  it('rejects a file shorter than the header', () => {
    const bytes = encodeDatasetBinary(dataset).subarray(0, 10);

    expect(dataErrorMessage(() => decodeDatasetBinary(bytes, 'x.bin'))).toContain(
      'x.bin: truncated dataset binary: 10 bytes',
    );
  });

  it('rejects a truncated body', () => {
    const bytes = encodeDatasetBinary(dataset).subarray(0, 42);

    expect(dataErrorMessage(() => decodeDatasetBinary(bytes, 'x.bin'))).toContain(
      'x.bin: truncated dataset binary: the header declares 3 samples of shape 2x2, so the file should be 43 bytes, but it is 42 bytes',
    );
  });

  it('rejects trailing bytes', () => {
    const bytes = new Uint8Array([...encodeDatasetBinary(dataset), 0]);

    expect(dataErrorMessage(() => decodeDatasetBinary(bytes, 'x.bin'))).toContain(
      'x.bin: trailing bytes after the dataset binary',
    );
  });

  it('rejects invalid header fields', () => {
    const cases: [number, number, string][] = [
      [8, 0, 'contains 0 samples'],
      [12, 0, 'invalid class count 0'],
      [12, 300, 'invalid class count 300'],
      [16, 0, 'invalid sample rank 0'],
      [16, 9, 'invalid sample rank 9'],
      [20, 0, 'sample shape 0x2'],
    ];
    for (const [offset, value, expected] of cases) {
      const bytes = encodeDatasetBinary(dataset);
      new DataView(bytes.buffer).setUint32(offset, value, true);

      expect(dataErrorMessage(() => decodeDatasetBinary(bytes, 'x.bin'))).toContain(expected);
    }
  });

  it('rejects a label outside the classes', () => {
    const bytes = encodeDatasetBinary(dataset);
    bytes[bytes.length - 1] = 10;

    expect(dataErrorMessage(() => decodeDatasetBinary(bytes, 'x.bin'))).toContain(
      'x.bin: label of sample 2 is 10, outside 0..9 for 10 classes',
    );
  });
});
