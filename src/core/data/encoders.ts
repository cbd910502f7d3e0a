/**
 * Input encoders: turn 8-bit features into the network's ±1 inputs. The sign encoder maps
 * feature > threshold to +1 and every other feature to -1. Its hardware form is one bit per
 * feature, bit 1 for +1 and bit 0 for -1, the convention of the netlist.
 */
import { DataError } from '../errors';

/** Default sign threshold for 8-bit images: the midpoint of 0-255, rounded down. */
export const DEFAULT_SIGN_THRESHOLD = 127;

/** Raises a DataError unless `threshold` is an integer 0-255. */
export function validateSignThreshold(threshold: number): void {
  if (!Number.isInteger(threshold) || threshold < 0 || threshold > 255) {
    throw new DataError(
      `invalid sign threshold ${threshold}: expected an integer 0-255, because features are 8-bit values`,
    );
  }
}

/**
 * Encodes features as model inputs: +1 where feature > threshold, else -1.
 * Writes into `out` when given (its length must equal `features.length`) and returns it.
 */
export function signEncode(
  features: Uint8Array,
  threshold = DEFAULT_SIGN_THRESHOLD,
  out = new Float32Array(features.length),
): Float32Array {
  validateSignThreshold(threshold);
  checkOutputLength(out.length, features.length);

  for (let i = 0; i < features.length; i++) out[i] = features[i] > threshold ? 1 : -1;
  return out;
}

/**
 * Encodes features as hardware input bits: 1 where feature > threshold, else 0.
 * Writes into `out` when given (its length must equal `features.length`) and returns it.
 */
export function signEncodeBits(
  features: Uint8Array,
  threshold = DEFAULT_SIGN_THRESHOLD,
  out = new Uint8Array(features.length),
): Uint8Array {
  validateSignThreshold(threshold);
  checkOutputLength(out.length, features.length);

  for (let i = 0; i < features.length; i++) out[i] = features[i] > threshold ? 1 : 0;
  return out;
}

function checkOutputLength(outLength: number, featureLength: number): void {
  if (outLength !== featureLength) {
    throw new RangeError(`output array has length ${outLength}, expected ${featureLength} (one value per feature)`);
  }
}
