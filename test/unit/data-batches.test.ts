import { describe, expect, it } from 'vitest';
import { batchIndices, epochBatches, epochOrder, gatherBatch } from '../../src/core/data/batches';
import type { Dataset } from '../../src/core/data/dataset';
import { DataError } from '../../src/core/errors';
import { Random } from '../../src/core/random';

describe('epochOrder', () => {
  it('is deterministic for a seed', () => {
    expect(Array.from(epochOrder(100, new Random('s')))).toEqual(Array.from(epochOrder(100, new Random('s'))));
    expect(Array.from(epochOrder(100, new Random('s')))).not.toEqual(Array.from(epochOrder(100, new Random('t'))));
  });

  it('differs between epoch streams', () => {
    const rng = new Random('run');
    const first = epochOrder(100, rng.derive('epoch.0'));
    const second = epochOrder(100, rng.derive('epoch.1'));

    expect(Array.from(first)).not.toEqual(Array.from(second));
  });
});

describe('epochBatches', () => {
  it('covers every index once per epoch', () => {
    const batches = epochBatches(103, 10, new Random('cover'));
    const seen = new Array(103).fill(0);
    for (const batch of batches) for (const index of batch) seen[index]++;

    expect(seen).toEqual(new Array(103).fill(1));
  });

  it('keeps a partial last batch', () => {
    const sizes = epochBatches(103, 10, new Random('sizes')).map((batch) => batch.length);

    expect(sizes).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
  });

  it('is deterministic for a seed', () => {
    const first = epochBatches(50, 8, new Random('same')).map((batch) => Array.from(batch));
    const second = epochBatches(50, 8, new Random('same')).map((batch) => Array.from(batch));

    expect(second).toEqual(first);
  });
});

describe('batchIndices', () => {
  it('cuts an order in sequence', () => {
    const order = Int32Array.from([5, 3, 1, 0, 2, 4]);
    const batches = batchIndices(order, 4).map((batch) => Array.from(batch));

    expect(batches).toEqual([[5, 3, 1, 0], [2, 4]]);
  });

  it('returns one batch when the size exceeds the count', () => {
    expect(batchIndices(Int32Array.from([1, 0]), 64).map((batch) => Array.from(batch))).toEqual([[1, 0]]);
  });

  it('rejects a non-positive batch size', () => {
    expect(() => batchIndices(new Int32Array(4), 0)).toThrow(DataError);
    expect(() => batchIndices(new Int32Array(4), 2.5)).toThrow('invalid batch size 2.5');
  });
});

describe('gatherBatch', () => {
  const dataset: Dataset = {
    name: 'tiny',
    sampleShape: [3],
    featureCount: 3,
    count: 3,
    features: new Uint8Array([0, 200, 127, 128, 10, 255, 50, 60, 70]),
    labels: new Uint8Array([2, 0, 1]),
    classes: 3,
  };

  it('encodes features and copies labels', () => {
    const batch = gatherBatch(dataset, [1, 0]);

    expect(batch.size).toBe(2);
    expect(Array.from(batch.inputs)).toEqual([1, -1, 1, -1, 1, -1]);
    expect(batch.inputs).toBeInstanceOf(Float32Array);
    expect(Array.from(batch.labels)).toEqual([0, 2]);
    expect(batch.labels).toBeInstanceOf(Int32Array);
  });

  it('uses the given threshold', () => {
    expect(Array.from(gatherBatch(dataset, [2], 59).inputs)).toEqual([-1, 1, 1]);
  });

  it('rejects an index out of range', () => {
    expect(() => gatherBatch(dataset, [0, 3])).toThrow('invalid sample index 3 at batch position 1 for tiny');
  });
});
