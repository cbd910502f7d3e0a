import { describe, expect, it } from 'vitest';
import { parseCsv, splitCsv } from '../../src/core/data/csv';
import { syntheticDataset } from '../../src/core/data/synthetic';
import { DataError } from '../../src/core/errors';
import { parseSpec } from '../../src/core/spec/validate';
import { loadSpecData } from '../../src/core/train/data';

function bitsOf(features: Uint8Array, sample: number, width: number): number[] {
  return Array.from(features.subarray(sample * width, (sample + 1) * width), (v) => (v === 255 ? 1 : 0));
}

describe('synthetic tasks', () => {
  it('labels parity and majority by hand rules', () => {
    for (const task of ['parity', 'majority'] as const) {
      const data = syntheticDataset({ task, bits: 5, count: 200, seed: 's' });
      expect(data.sampleShape).toEqual([5]);
      expect(data.classes).toBe(2);
      for (let s = 0; s < data.count; s++) {
        const ones = bitsOf(data.features, s, 5).reduce((a, b) => a + b, 0);
        const majority = ones > 2.5 ? 1 : 0;
        expect(data.labels[s]).toBe(task === 'parity' ? ones % 2 : majority);
      }
    }
  });

  it('stores bits as 0 or 255', () => {
    const data = syntheticDataset({ task: 'random', bits: 8, count: 50, seed: 1 as unknown as string });
    expect(data.features.every((v) => v === 0 || v === 255)).toBe(true);
  });

  it('gives a random function one label per input', () => {
    const data = syntheticDataset({ task: 'random', bits: 3, count: 400, seed: 'x' });
    const seen = new Map<number, number>();
    for (let s = 0; s < data.count; s++) {
      const address = bitsOf(data.features, s, 3).reduce((a, bit, i) => a | (bit << i), 0);
      if (seen.has(address)) expect(data.labels[s]).toBe(seen.get(address));
      seen.set(address, data.labels[s]);
    }
    expect(seen.size).toBe(8);
  });

  it('reproduces samples from the seed', () => {
    const a = syntheticDataset({ task: 'random', bits: 10, count: 64, seed: 'same' });
    const b = syntheticDataset({ task: 'random', bits: 10, count: 64, seed: 'same' });
    const c = syntheticDataset({ task: 'random', bits: 10, count: 64, seed: 'other' });
    expect(b.features).toEqual(a.features);
    expect(b.labels).toEqual(a.labels);
    expect(c.features).not.toEqual(a.features);
  });

  it('rejects bit counts out of range', () => {
    expect(() => syntheticDataset({ task: 'parity', bits: 1, count: 4, seed: 's' })).toThrow(/expected an integer 2-20/);
    expect(() => syntheticDataset({ task: 'parity', bits: 21, count: 4, seed: 's' })).toThrow(DataError);
  });

  it('loads from a spec with disjoint splits', () => {
    const spec = parseSpec({ seed: 3, dataset: { source: 'synthetic', task: 'majority', bits: 7 }, split: { train: 100, test: 30 }, layers: [{ type: 'LutLinear', out: 2, k: 2 }] });
    const none = () => {
      throw new Error('not used');
    };
    const data = loadSpecData(spec, { embeddedMnist: none, idxPair: none });
    expect([data.train.count, data.test.count]).toEqual([100, 30]);
    const all = syntheticDataset({ task: 'majority', bits: 7, count: 130, seed: '3' });
    expect(data.test.features).toEqual(all.features.subarray(700));
  });
});

describe('CSV reader', () => {
  it('splits quoted cells', () => {
    expect(splitCsv('a,"b,c","d ""e"""\r\n1,2,3\n')).toEqual([
      ['a', 'b,c', 'd "e"'],
      ['1', '2', '3'],
    ]);
  });

  it('reads a header, scales unit features and maps text labels', () => {
    const data = parseCsv('x0,x1,kind\n0,1,cat\n1,0.5,dog\n0,0,cat\n', { name: 't.csv', labelColumn: 'kind' });
    expect(data.sampleShape).toEqual([2]);
    expect(Array.from(data.features)).toEqual([0, 255, 255, 128, 0, 0]);
    expect(Array.from(data.labels)).toEqual([0, 1, 0]);
    expect(data.classes).toBe(2);
  });

  it('takes the last column as the label by default', () => {
    const data = parseCsv('10,200,3\n0,255,1\n', { name: 'n.csv' });
    expect(Array.from(data.features)).toEqual([10, 200, 0, 255]);
    expect(Array.from(data.labels)).toEqual([3, 1]);
    expect(data.classes).toBe(4);
  });

  it('reads a label column by index', () => {
    const data = parseCsv('1,0,0\n0,1,1\n', { name: 'i.csv', labelColumn: 0 });
    expect(Array.from(data.labels)).toEqual([1, 0]);
    expect(Array.from(data.features)).toEqual([0, 0, 255, 255]);
  });

  it('names the line of a bad cell', () => {
    expect(() => parseCsv('a,b\n1,2\nx,3\n', { name: 'bad.csv' })).toThrow('bad.csv: line 3, column 1: "x" is not a number');
    expect(() => parseCsv('1,2\n1,2,3\n', { name: 'bad.csv' })).toThrow('line 2 has 3 cells, expected 2');
    expect(() => parseCsv('300,1\n', { name: 'bad.csv' })).toThrow(/outside 0-255/);
    expect(() => parseCsv('a,b\n1,2\n', { name: 'bad.csv', labelColumn: 'c' })).toThrow(/label column "c" not found/);
  });
});
