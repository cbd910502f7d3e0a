import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/core/errors';
import { parseSpec, parseSpecJson } from '../../src/core/spec/validate';
import { checkNetwork } from '../../src/core/train/model';

const minimal = { layers: [{ type: 'LutLinear', out: 10, k: 4 }] };

function specErrors(input: unknown): string[] {
  try {
    parseSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).issues;
  }
  throw new Error('expected a SpecError');
}

describe('spec schema', () => {
  it('fills in defaults', () => {
    const spec = parseSpec(minimal);
    expect(spec.version).toBe(1);
    expect(spec.dataset).toEqual({ source: 'mnist-embedded' });
    expect(spec.split).toEqual({ train: 8000, test: 2000 });
    expect(spec.encoder).toEqual({ kind: 'sign', threshold: 127 });
    expect(spec.batchSize).toBe(128);
    expect(spec.layers[0]).toMatchObject({ mask: { kind: 'expanded', replacement: false }, binarization: 2, inputExpanded: true, trainer: 'lagrange', init: 'uniform' });
  });

  it('names the path and range of k = 20', () => {
    expect(specErrors({ layers: [{ type: 'Flatten' }, { type: 'Sign' }, { type: 'LutLinear', out: 10, k: 20 }] })).toEqual([
      'layers[2].k: must be an integer from 1 to 8, got 20',
    ]);
  });

  it('rejects fractional and non-numeric values', () => {
    expect(specErrors({ ...minimal, batchSize: 1.5 })).toEqual(['batchSize: must be an integer from 1 to 65536, got 1.5']);
    expect(specErrors({ ...minimal, learningRate: 'fast' })[0]).toMatch(/^learningRate: must be a number greater than 0/);
  });

  it('rejects unknown layer types and keys', () => {
    expect(specErrors({ layers: [{ type: 'Conv9d' }] })[0]).toBe('layers[0].type: must be one of LutLinear, BinaryLinear, Dense, BatchNorm, Sign, Flatten, got "Conv9d"');
    expect(specErrors({ ...minimal, epoch: 3 })[0]).toMatch(/epoch/);
  });

  it('rejects a future version', () => {
    expect(specErrors({ ...minimal, version: 2 })).toEqual(['version: must be 1, got 2']);
  });

  it('requires a fan-in for the random mask', () => {
    expect(specErrors({ layers: [{ type: 'LutLinear', out: 10, k: 3, mask: { kind: 'random' } }] })[0]).toMatch(/^layers\[0\]\.mask\.fanIn: the random mask needs a fan-in/);
  });

  it('reports JSON syntax errors as spec errors', () => {
    expect(() => parseSpecJson('{"layers": [', 'broken.json')).toThrow(/broken.json is not valid JSON/);
  });
});

describe('network checks', () => {
  it('rejects an output width that differs from the classes', () => {
    expect(() => checkNetwork(parseSpec({ layers: [{ type: 'LutLinear', out: 12, k: 2 }] }), 784, 10)).toThrow(
      'layers[0]: the network outputs 12 values, but the dataset has 10 classes',
    );
  });

  it('rejects k larger than the input width', () => {
    expect(() => checkNetwork(parseSpec({ layers: [{ type: 'BinaryLinear', out: 3 }, { type: 'LutLinear', out: 10, k: 4 }] }), 784, 10)).toThrow(
      /layers\[1\]\.k: the expanded mask draws 4 distinct inputs per table, but the layer has only 3 inputs/,
    );
  });

  it('rejects a layer too large to train', () => {
    const spec = parseSpec({ layers: [{ type: 'LutLinear', out: 4096, k: 8 }, { type: 'LutLinear', out: 10, k: 2 }] });
    expect(() => checkNetwork(spec, 784, 10)).toThrow(/layers\[0\]\.k: 4096 neurons with k 8 need 822,083,584 table entries, about 15\.3 GiB to train, over the 2 GiB limit/);
  });

  it('rejects memorize on a layer that starts unexpanded', () => {
    const spec = parseSpec({ layers: [{ type: 'LutLinear', out: 10, k: 2, init: 'memorize', inputExpanded: false }] });
    expect(() => checkNetwork(spec, 16, 10)).toThrow(/layers\[0\]\.init: memorize fills full tables/);
  });
});
