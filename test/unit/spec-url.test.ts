import { compressToEncodedURIComponent } from 'lz-string';
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/core/spec/validate';
import { MAX_HASH_LENGTH, UrlSpecError, decodeSpecHash, encodeSpecHash } from '../../src/core/spec/url';

const spec = parseSpec({
  name: 'share-me',
  seed: 'abc',
  dataset: { source: 'synthetic', task: 'random', bits: 10 },
  layers: [{ type: 'LutLinear', out: 16, k: 6, mask: { kind: 'random', fanIn: 4 } }, { type: 'BatchNorm' }, { type: 'Sign' }, { type: 'LutLinear', out: 2, k: 2 }],
});

function hashOf(value: unknown, version = 1): string {
  return `#v${version}.${compressToEncodedURIComponent(JSON.stringify(value))}`;
}

function decodeError(hash: string): string {
  try {
    decodeSpecHash(hash);
  } catch (error) {
    expect(error).toBeInstanceOf(UrlSpecError);
    return (error as Error).message;
  }
  throw new Error(`expected ${hash.slice(0, 30)} to be rejected`);
}

describe('spec URL codec', () => {
  it('round-trips a spec', () => {
    const hash = encodeSpecHash(spec);
    expect(hash).toMatch(/^#v1\.[A-Za-z0-9+\-$]+$/);
    expect(decodeSpecHash(hash)).toEqual({ spec, clamped: [] });
  });

  it('stays compact', () => {
    expect(encodeSpecHash(spec).length).toBeLessThan(JSON.stringify(spec).length);
  });

  it('accepts a hash without the #', () => {
    expect(decodeSpecHash(encodeSpecHash(spec).slice(1)).spec).toEqual(spec);
  });

  it('fills defaults of an old minimal spec', () => {
    const decoded = decodeSpecHash(hashOf({ layers: [{ type: 'LutLinear', out: 10, k: 4 }] }));
    expect(decoded.spec.dataset).toEqual({ source: 'mnist-embedded' });
    expect(decoded.spec.batchSize).toBe(128);
  });

  it('clamps out-of-range numbers', () => {
    const decoded = decodeSpecHash(hashOf({ ...spec, batchSize: 1e9, layers: [{ ...spec.layers[0], k: 12 }, ...spec.layers.slice(1)] }));
    expect(decoded.spec.batchSize).toBe(65_536);
    expect((decoded.spec.layers[0] as { k: number }).k).toBe(8);
    expect(decoded.clamped).toEqual(expect.arrayContaining(['batchSize: 1000000000 -> 65536', 'layers[0].k: 12 -> 8']));
  });

  it('rejects a newer format version', () => {
    expect(decodeError(hashOf(spec, 2))).toMatch(/newer DeepLUT \(link format v2/);
  });

  it('rejects garbage and truncation', () => {
    expect(decodeError('#hello')).toMatch(/does not contain a DeepLUT spec/);
    expect(decodeError('#v1.!!!')).toMatch(/broken or truncated/);
    const hash = encodeSpecHash(spec);
    expect(decodeError(hash.slice(0, Math.floor(hash.length / 2)))).toMatch(/broken or truncated/);
    expect(decodeError(hashOf([1, 2]))).toMatch(/not a JSON object/);
  });

  it('rejects code and unknown keys', () => {
    expect(decodeError(hashOf({ ...spec, layers: [{ type: 'Eval', code: 'alert(1)' }] }))).toMatch(/layers\[0\].type: must be one of LutLinear/);
    expect(decodeError(hashOf({ ...spec, onload: 'alert(1)' }))).toMatch(/spec is invalid/);
  });

  it('rejects an oversized hash', () => {
    expect(decodeError(`#v1.${'A'.repeat(MAX_HASH_LENGTH)}`)).toMatch(/over the limit of 16384/);
  });
});
