import { describe, expect, it } from 'vitest';
import { expandedMask, minimalMask, randomFanInMask } from '../../src/core/masks';
import { Random } from '../../src/core/random';

describe('expanded mask', () => {
  it('gives table i of each neuron input i first, then distinct other inputs', () => {
    const width = 9;
    const k = 4;
    const mask = expandedMask(width, 5, k, new Random('m'), false);
    expect(mask.tablesPerNeuron).toBe(width);
    expect(mask.indices.length).toBe(5 * width * k);
    for (let t = 0; t < 5 * width; t++) {
      const table = Array.from(mask.indices.subarray(t * k, (t + 1) * k));
      expect(table[0]).toBe(t % width);
      expect(new Set(table).size).toBe(k);
      for (const index of table) expect(index >= 0 && index < width).toBe(true);
    }
  });

  it('with replacement never repeats the table own input', () => {
    const k = 6;
    const mask = expandedMask(3, 4, k, new Random('r'), true);
    let repeated = false;
    for (let t = 0; t < 12; t++) {
      const table = Array.from(mask.indices.subarray(t * k, (t + 1) * k));
      expect(table.slice(1)).not.toContain(table[0]);
      if (new Set(table.slice(1)).size < k - 1) repeated = true;
    }
    // Five draws from two candidates must repeat.
    expect(repeated).toBe(true);
  });

  it('is reproducible from the seed', () => {
    expect(expandedMask(20, 8, 3, new Random('s'), false).indices).toEqual(expandedMask(20, 8, 3, new Random('s'), false).indices);
    expect(expandedMask(20, 8, 3, new Random('s'), false).indices).not.toEqual(expandedMask(20, 8, 3, new Random('t'), false).indices);
  });
});

describe('minimal mask', () => {
  it('packs inputs in order and wraps the last table', () => {
    const mask = minimalMask(5, 2, 2);
    expect(mask.tablesPerNeuron).toBe(3);
    expect(Array.from(mask.indices)).toEqual([0, 1, 2, 3, 4, 0, 0, 1, 2, 3, 4, 0]);
  });
});

describe('random fan-in mask', () => {
  it('draws fanIn tables of k distinct inputs', () => {
    const mask = randomFanInMask(10, 3, 4, 7, new Random('f'));
    expect(mask.tablesPerNeuron).toBe(7);
    expect(mask.indices.length).toBe(3 * 7 * 4);
    for (let t = 0; t < 21; t++) {
      const table = Array.from(mask.indices.subarray(t * 4, t * 4 + 4));
      expect(new Set(table).size).toBe(4);
      for (const index of table) expect(index >= 0 && index < 10).toBe(true);
    }
    expect(randomFanInMask(10, 3, 4, 7, new Random('f')).indices).toEqual(mask.indices);
  });
});
