import { entriesPerTable, type LutOptions, type LutShape } from './shape';

/**
 * The LUT op on plain typed arrays: a kernel for the cpu and wasm backends, and for any
 * backend that can read tensors back synchronously.
 *
 * Layout: x is [batch][inputWidth], weights are [neurons][tablesPerNeuron][2^k], the mask is
 * [neurons][tablesPerNeuron][k] and the output is [batch][neurons]. Neuron j outputs
 *
 *     y[b][j] = sum over its tables t of  o_t,   o_t = |gamma| * f_t(x[b][mask_t])
 *
 * (o_t = sign(|gamma| f_t) with `binarizeOutput`), where f_t is the Lagrange form
 * f(x) = sum_p w_p * prod_i (1 + s_p,i x_i) / 2 over the table's 2^k entries. Input i is
 * address bit i and s_p,i = +1 where that bit of p is set.
 *
 * With binary inputs the product is one-hot at the address, so the forward pass reads one
 * entry and the entry's gradient is the output gradient. There df/dx_i is half the difference
 * of the two entries whose addresses differ in bit i, so the work is O(k) per table and sample. Real inputs
 * build the 2^k basis incrementally (2^(k+1) multiplies) and get df/dx_i as
 * (f(x_i = +1) - f(x_i = -1)) / 2 over the other inputs, which is exact for a multilinear f.
 */

export interface LutGradients {
  dx: Float32Array;
  dWeights: Float32Array;
  dGamma: number;
}

/** Sign with sign(0) = +1, the convention of the whole library (bit 1 = +1). */
function signOf(v: number): number {
  return v >= 0 ? 1 : -1;
}

/**
 * Input signs transposed to [inputWidth][batch] as 0/1 bytes, so that the per-table loops over
 * the batch read contiguous memory.
 */
function inputBitsByColumn(x: Float32Array, batch: number, inputWidth: number): Uint8Array {
  const bits = new Uint8Array(inputWidth * batch);
  for (let b = 0; b < batch; b++) {
    const row = b * inputWidth;
    for (let c = 0; c < inputWidth; c++) bits[c * batch + b] = x[row + c] >= 0 ? 1 : 0;
  }
  return bits;
}

/**
 * Addresses of every table for every sample with binary inputs, [tables][batch]. One byte per
 * address is enough because k <= 8. The forward pass computes them and the backward pass
 * reuses them.
 */
export function binaryAddresses(x: Float32Array, batch: number, mask: Int32Array, shape: LutShape): Uint8Array {
  const { inputWidth, k } = shape;
  const tables = shape.neurons * shape.tablesPerNeuron;
  const bits = inputBitsByColumn(x, batch, inputWidth);
  const addresses = new Uint8Array(tables * batch);
  for (let t = 0; t < tables; t++) {
    const out = t * batch;
    const first = mask[t * k] * batch;
    for (let b = 0; b < batch; b++) addresses[out + b] = bits[first + b];
    for (let i = 1; i < k; i++) {
      const column = mask[t * k + i] * batch;
      for (let b = 0; b < batch; b++) addresses[out + b] |= bits[column + b] << i;
    }
  }
  return addresses;
}

/** Fills `basis` with prod_i (1 + s_p,i x_i) / 2 for the table inputs `inputs` (length k). */
function lagrangeBasis(inputs: Float64Array, k: number, basis: Float64Array): void {
  basis[0] = 1;
  for (let i = 0; i < k; i++) {
    const half = 1 << i;
    const up = (1 + inputs[i]) / 2;
    const down = (1 - inputs[i]) / 2;
    for (let p = 0; p < half; p++) {
      const v = basis[p];
      basis[p + half] = v * up;
      basis[p] = v * down;
    }
  }
}

function gatherTableInputs(x: Float32Array, row: number, mask: Int32Array, maskBase: number, k: number, out: Float64Array): void {
  for (let i = 0; i < k; i++) out[i] = x[row + mask[maskBase + i]];
}

export function lutForwardJs(
  x: Float32Array,
  batch: number,
  weights: Float32Array,
  gamma: number,
  mask: Int32Array,
  shape: LutShape,
  options: LutOptions,
  addresses?: Uint8Array,
): Float32Array {
  const { neurons, tablesPerNeuron, k, inputWidth } = shape;
  const entries = entriesPerTable(shape);
  const scale = Math.abs(gamma);
  const y = new Float32Array(batch * neurons);
  const sums = new Float64Array(batch);

  if (options.binaryInputs) {
    const tableAddresses = addresses ?? binaryAddresses(x, batch, mask, shape);
    for (let j = 0; j < neurons; j++) {
      sums.fill(0);
      for (let tj = 0; tj < tablesPerNeuron; tj++) {
        const t = j * tablesPerNeuron + tj;
        const wBase = t * entries;
        const aBase = t * batch;
        if (options.binarizeOutput) {
          for (let b = 0; b < batch; b++) sums[b] += scale * weights[wBase + tableAddresses[aBase + b]] >= 0 ? 1 : -1;
        } else {
          for (let b = 0; b < batch; b++) sums[b] += weights[wBase + tableAddresses[aBase + b]];
        }
      }
      // Sum first, scale once: with ±1 weights the sum is an exact integer, so the output is
      // |gamma| times that integer whatever the order of the tables.
      const factor = options.binarizeOutput ? 1 : scale;
      for (let b = 0; b < batch; b++) y[b * neurons + j] = sums[b] * factor;
    }
    return y;
  }

  const inputs = new Float64Array(k);
  const basis = new Float64Array(entries);
  for (let j = 0; j < neurons; j++) {
    sums.fill(0);
    for (let tj = 0; tj < tablesPerNeuron; tj++) {
      const t = j * tablesPerNeuron + tj;
      const wBase = t * entries;
      for (let b = 0; b < batch; b++) {
        gatherTableInputs(x, b * inputWidth, mask, t * k, k, inputs);
        lagrangeBasis(inputs, k, basis);
        let f = 0;
        for (let p = 0; p < entries; p++) f += weights[wBase + p] * basis[p];
        sums[b] += options.binarizeOutput ? signOf(scale * f) : f;
      }
    }
    const factor = options.binarizeOutput ? 1 : scale;
    for (let b = 0; b < batch; b++) y[b * neurons + j] = sums[b] * factor;
  }
  return y;
}

export function lutBackwardJs(
  dy: Float32Array,
  x: Float32Array,
  batch: number,
  weights: Float32Array,
  gamma: number,
  mask: Int32Array,
  shape: LutShape,
  options: LutOptions,
  addresses?: Uint8Array,
): LutGradients {
  const { neurons, tablesPerNeuron, k, inputWidth } = shape;
  const entries = entriesPerTable(shape);
  const scale = Math.abs(gamma);
  const gammaSign = gamma >= 0 ? 1 : -1;
  const dx = new Float32Array(x.length);
  const dWeights = new Float32Array(weights.length);
  const dxAcc = new Float64Array(x.length);
  let dGamma = 0;

  // Gradient of o_t with respect to f_t: |gamma|, or with a binarized output the
  // straight-through |gamma| * [|gamma f_t| <= 1].
  const passes = (f: number): boolean => !options.binarizeOutput || Math.abs(scale * f) <= 1;
  const outputGrad = (f: number): number => (passes(f) ? scale : 0);
  const gammaGrad = (f: number): number => (passes(f) ? f : 0);

  if (options.binaryInputs) {
    const tableAddresses = addresses ?? binaryAddresses(x, batch, mask, shape);
    // dxByColumn[c][b]: the input gradient transposed like the bits, for contiguous writes.
    const dxByColumn = new Float64Array(inputWidth * batch);
    // slopes[i][p] = (w[p with bit i set] - w[p with bit i clear]) / 2, once per table.
    const slopes = new Float64Array(k * entries);
    const dyColumn = new Float64Array(batch);
    const df = new Float64Array(batch);
    for (let t = 0; t < neurons * tablesPerNeuron; t++) {
      const j = Math.floor(t / tablesPerNeuron);
      const wBase = t * entries;
      const maskBase = t * k;
      const aBase = t * batch;
      if (t % tablesPerNeuron === 0) for (let b = 0; b < batch; b++) dyColumn[b] = dy[b * neurons + j];
      for (let i = 0; i < k; i++) {
        const bit = 1 << i;
        for (let p = 0; p < entries; p++) slopes[i * entries + p] = (weights[wBase + (p | bit)] - weights[wBase + (p & ~bit)]) / 2;
      }

      // Gradient of o_t with respect to f_t: |gamma|, or with a binarized output the
      // straight-through |gamma| * [|gamma f_t| <= 1].
      if (options.binarizeOutput) {
        for (let b = 0; b < batch; b++) {
          const f = weights[wBase + tableAddresses[aBase + b]];
          const pass = Math.abs(scale * f) <= 1;
          df[b] = pass ? dyColumn[b] * scale : 0;
          if (pass) dGamma += dyColumn[b] * f;
        }
      } else {
        for (let b = 0; b < batch; b++) {
          df[b] = dyColumn[b] * scale;
          dGamma += dyColumn[b] * weights[wBase + tableAddresses[aBase + b]];
        }
      }
      for (let b = 0; b < batch; b++) dWeights[wBase + tableAddresses[aBase + b]] += df[b];
      for (let i = 0; i < k; i++) {
        const column = mask[maskBase + i] * batch;
        const slopeBase = i * entries;
        for (let b = 0; b < batch; b++) dxByColumn[column + b] += df[b] * slopes[slopeBase + tableAddresses[aBase + b]];
      }
    }
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < inputWidth; c++) dxAcc[b * inputWidth + c] = dxByColumn[c * batch + b];
    }
  } else {
    const inputs = new Float64Array(k);
    const basis = new Float64Array(entries);
    const rest = new Float64Array(k);
    const restBasis = new Float64Array(entries >> 1 || 1);
    for (let t = 0; t < neurons * tablesPerNeuron; t++) {
      const j = Math.floor(t / tablesPerNeuron);
      const wBase = t * entries;
      const maskBase = t * k;
      for (let b = 0; b < batch; b++) {
        const g = dy[b * neurons + j];
        if (g === 0) continue;
        const row = b * inputWidth;
        gatherTableInputs(x, row, mask, maskBase, k, inputs);
        lagrangeBasis(inputs, k, basis);
        let f = 0;
        for (let p = 0; p < entries; p++) f += weights[wBase + p] * basis[p];
        const df = g * outputGrad(f);
        dGamma += g * gammaGrad(f);
        for (let p = 0; p < entries; p++) dWeights[wBase + p] += df * basis[p];

        // df/dx_i = (f with x_i = +1  -  f with x_i = -1) / 2, over the basis of the other inputs.
        for (let i = 0; i < k; i++) {
          let n = 0;
          for (let m = 0; m < k; m++) if (m !== i) rest[n++] = inputs[m];
          lagrangeBasis(rest, k - 1, restBasis);
          const low = (1 << i) - 1;
          let slope = 0;
          for (let q = 0; q < entries >> 1; q++) {
            // Insert bit i into q: the entries with bit i set and clear.
            const withoutBit = ((q & ~low) << 1) | (q & low);
            slope += (weights[wBase + (withoutBit | (1 << i))] - weights[wBase + withoutBit]) * restBasis[q];
          }
          dxAcc[row + mask[maskBase + i]] += (df * slope) / 2;
        }
      }
    }
  }

  for (let i = 0; i < dx.length; i++) dx[i] = dxAcc[i];
  return { dx, dWeights, dGamma: dGamma * gammaSign };
}
