import type { Random } from '../random';

/**
 * Mask builders: which inputs each table of a LUT layer reads. A mask is an Int32Array laid
 * out [neurons][tablesPerNeuron][k]; entry i of a table is the input wired to address bit i.
 */

export interface Mask {
  tablesPerNeuron: number;
  indices: Int32Array;
}

/**
 * One table per (input, neuron) pair, so `inputWidth` tables per neuron. Table i of neuron j
 * reads input i first, then k - 1 further inputs of the same neuron other than i, drawn at
 * random: all distinct without replacement, possibly repeated with replacement.
 */
export function expandedMask(inputWidth: number, neurons: number, k: number, rng: Random, replacement: boolean): Mask {
  if (!replacement && k > inputWidth) {
    throw new Error(`expanded mask without replacement needs k <= input width, got k ${k} and width ${inputWidth}`);
  }
  if (k > 1 && inputWidth < 2) throw new Error(`expanded mask with k ${k} needs at least 2 inputs, got ${inputWidth}`);
  const indices = new Int32Array(neurons * inputWidth * k);
  const chosen = new Set<number>();
  let n = 0;
  for (let j = 0; j < neurons; j++) {
    for (let i = 0; i < inputWidth; i++) {
      indices[n++] = i;
      chosen.clear();
      chosen.add(i);
      for (let extra = 1; extra < k; extra++) {
        let candidate: number;
        do {
          // Draw from the other inputs: 0..width-2, shifted past i.
          candidate = rng.int(inputWidth - 1);
          if (candidate >= i) candidate += 1;
        } while (!replacement && chosen.has(candidate));
        chosen.add(candidate);
        indices[n++] = candidate;
      }
    }
  }
  return { tablesPerNeuron: inputWidth, indices };
}

/** ceil(width / k) tables per neuron reading consecutive inputs; the last table wraps around to input 0. */
export function minimalMask(inputWidth: number, neurons: number, k: number): Mask {
  const tablesPerNeuron = Math.ceil(inputWidth / k);
  const indices = new Int32Array(neurons * tablesPerNeuron * k);
  let n = 0;
  for (let j = 0; j < neurons; j++) {
    for (let t = 0; t < tablesPerNeuron; t++) {
      for (let i = 0; i < k; i++) indices[n++] = (t * k + i) % inputWidth;
    }
  }
  return { tablesPerNeuron, indices };
}

/** `fanIn` tables per neuron, each reading k distinct inputs drawn at random (LogicNets-style sparsity). */
export function randomFanInMask(inputWidth: number, neurons: number, k: number, fanIn: number, rng: Random): Mask {
  if (k > inputWidth) throw new Error(`random fan-in mask needs k <= input width, got k ${k} and width ${inputWidth}`);
  const indices = new Int32Array(neurons * fanIn * k);
  const chosen = new Set<number>();
  let n = 0;
  for (let t = 0; t < neurons * fanIn; t++) {
    chosen.clear();
    for (let i = 0; i < k; i++) {
      let candidate: number;
      do candidate = rng.int(inputWidth);
      while (chosen.has(candidate));
      chosen.add(candidate);
      indices[n++] = candidate;
    }
  }
  return { tablesPerNeuron: fanIn, indices };
}
