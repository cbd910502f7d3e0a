import { DeepLutError } from '../errors';

/** Largest table size the library accepts: 2^8 entries per table. */
export const MAX_K = 8;

/**
 * Geometry of one LUT layer: `neurons` neurons, each summing `tablesPerNeuron` tables of `k`
 * inputs read from an input vector of `inputWidth` values.
 */
export interface LutShape {
  inputWidth: number;
  neurons: number;
  tablesPerNeuron: number;
  k: number;
}

/** Options of the LUT op that change what it computes. */
export interface LutOptions {
  /**
   * The inputs are exactly -1 or +1 (binarization level 2 and up). Kernels may then read one
   * entry per table instead of evaluating the whole multilinear form; the result is the same.
   */
  binaryInputs: boolean;
  /** Each table's output passes through sign() with a straight-through gradient (level 3). */
  binarizeOutput: boolean;
  /**
   * The op reads each stored entry w as sign(w), with sign(0) = +1, and passes the entry's
   * gradient where |w| <= 1 (straight-through). It equals binarizing the weights with `steSign`
   * before the op, without the extra passes over every entry. Default false.
   */
  binarizeEntries?: boolean;
}

export function tableCount(shape: LutShape): number {
  return shape.neurons * shape.tablesPerNeuron;
}

export function entriesPerTable(shape: LutShape): number {
  return 1 << shape.k;
}

/** Throws unless the mask length and index range fit the shape. */
export function checkMask(mask: Int32Array, shape: LutShape): void {
  const expected = tableCount(shape) * shape.k;
  if (mask.length !== expected) {
    throw new DeepLutError(
      `LUT mask has ${mask.length} indices, expected ${expected} (neurons ${shape.neurons} x tables ${shape.tablesPerNeuron} x k ${shape.k})`,
    );
  }
  for (let i = 0; i < mask.length; i++) {
    const index = mask[i];
    if (index < 0 || index >= shape.inputWidth) {
      throw new DeepLutError(`LUT mask index ${index} at position ${i} is outside the input width ${shape.inputWidth}`);
    }
  }
}
