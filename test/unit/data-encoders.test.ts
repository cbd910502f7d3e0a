import { describe, expect, it } from 'vitest';
import { DEFAULT_SIGN_THRESHOLD, signEncode, signEncodeBits } from '../../src/core/data/encoders';
import { DataError } from '../../src/core/errors';

describe('sign encoder', () => {
  const features = new Uint8Array([0, 126, 127, 128, 255]);

  it('defaults to threshold 127', () => {
    expect(DEFAULT_SIGN_THRESHOLD).toBe(127);
    expect(Array.from(signEncode(features))).toEqual([-1, -1, -1, 1, 1]);
    expect(Array.from(signEncodeBits(features))).toEqual([0, 0, 0, 1, 1]);
  });

  it('maps threshold to -1 and threshold + 1 to +1', () => {
    const boundary = new Uint8Array([49, 50, 51]);

    expect(Array.from(signEncode(boundary, 50))).toEqual([-1, -1, 1]);
    expect(Array.from(signEncodeBits(boundary, 50))).toEqual([0, 0, 1]);
  });

  it('handles thresholds 0 and 255', () => {
    const extremes = new Uint8Array([0, 1, 254, 255]);

    expect(Array.from(signEncode(extremes, 0))).toEqual([-1, 1, 1, 1]);
    expect(Array.from(signEncodeBits(extremes, 255))).toEqual([0, 0, 0, 0]);
  });

  it('returns the documented array types', () => {
    expect(signEncode(features)).toBeInstanceOf(Float32Array);
    expect(signEncodeBits(features)).toBeInstanceOf(Uint8Array);
  });

  it('agrees between float and bit forms', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (const threshold of [0, 1, 63, 127, 200, 255]) {
      const values = signEncode(all, threshold);
      const bits = signEncodeBits(all, threshold);
      for (let i = 0; i < 256; i++) expect(values[i]).toBe(bits[i] === 1 ? 1 : -1);
    }
  });

  it('writes into a given output array', () => {
    const out = new Float32Array(5);

    expect(signEncode(features, 127, out)).toBe(out);
    expect(Array.from(out)).toEqual([-1, -1, -1, 1, 1]);
    expect(() => signEncode(features, 127, new Float32Array(4))).toThrow('output array has length 4, expected 5');
  });

  it('rejects invalid thresholds', () => {
    for (const threshold of [-1, 256, 127.5, Number.NaN]) {
      expect(() => signEncode(features, threshold)).toThrow(DataError);
      expect(() => signEncodeBits(features, threshold)).toThrow(`invalid sign threshold ${threshold}`);
    }
  });
});
