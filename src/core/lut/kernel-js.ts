import { entriesPerTable, tableCount, type LutOptions, type LutShape } from './shape';

/**
 * The LUT op on plain typed arrays: the kernel for the cpu and wasm backends, and for any
 * backend that can read tensors back synchronously.
 *
 * Layout: x is [batch][inputWidth], weights are [neurons][tablesPerNeuron][2^k], the mask is
 * [neurons][tablesPerNeuron][k] and the output is [batch][neurons]. Neuron j outputs
 *
 *     y[b][j] = |gamma| * sum over its tables t of f_t(x[b][mask_t])
 *
 * (sum of sign(|gamma| f_t) with `binarizeOutput`), where f_t is the Lagrange form
 * f(x) = sum_p w_p * prod_i (1 + s_p,i x_i) / 2 over the table's 2^k entries. Input i is
 * address bit i and s_p,i = +1 where that bit of p is set.
 *
 * Every loop runs over the batch innermost, on inputs transposed to [inputWidth][batch], so
 * the JIT gets long, simple loops over contiguous memory.
 *
 * Binary inputs: the product is one-hot at the address, so the forward pass reads one entry,
 * the entry's gradient is the output gradient, and df/dx_i is half the difference of the two
 * entries whose addresses differ in bit i: O(k) per table and sample.
 *
 * Real inputs: f is evaluated in its monomial form f(x) = sum_S c_S prod_{i in S} x_i, with
 * the coefficients c = H w / 2^k (H the Walsh-Hadamard butterfly) computed once per table.
 * Folding out one input at a time costs 2^k - 1 multiply-adds per sample; the backward pass
 * runs that fold in reverse, about 3 * 2^k multiply-adds per sample for all k input
 * gradients and the entry gradients together.
 */

export interface LutGradients {
  dx: Float32Array;
  dWeights: Float32Array;
  dGamma: number;
}

/** Batch length rounded up to a multiple of 4, so that a Uint32 word contains 4 samples' bytes. */
function paddedBatch(batch: number): number {
  return (batch + 3) & ~3;
}

/**
 * Addresses of every table for every sample with binary inputs, [tables][stride] bytes with
 * stride = batch rounded up to a multiple of 4. One byte per address is enough because k <= 8.
 * The forward pass computes them and the backward pass reuses them.
 */
export interface BinaryAddresses {
  stride: number;
  addresses: Uint8Array;
}

/**
 * Computes every table's address with binary inputs. Input bits are transposed to
 * [inputWidth][stride] bytes of 0 or 1; four samples' bytes then share one Uint32 word, and
 * `word << i` moves all four bits to address bit i at once without crossing a byte because i < 8.
 */
export function binaryAddresses(x: Float32Array, batch: number, mask: Int32Array, shape: LutShape): BinaryAddresses {
  const { inputWidth, k } = shape;
  const tables = tableCount(shape);
  const stride = paddedBatch(batch);
  const words = stride >> 2;

  const bits = new Uint8Array(inputWidth * stride);
  for (let b = 0; b < batch; b++) {
    const row = b * inputWidth;
    for (let c = 0; c < inputWidth; c++) bits[c * stride + b] = x[row + c] >= 0 ? 1 : 0;
  }
  const bitWords = new Uint32Array(bits.buffer);

  const addresses = new Uint8Array(tables * stride);
  const addressWords = new Uint32Array(addresses.buffer);
  for (let t = 0; t < tables; t++) {
    const out = t * words;
    const first = mask[t * k] * words;
    for (let w = 0; w < words; w++) addressWords[out + w] = bitWords[first + w];
    for (let i = 1; i < k; i++) {
      const column = mask[t * k + i] * words;
      for (let w = 0; w < words; w++) addressWords[out + w] |= bitWords[column + w] << i;
    }
  }
  return { stride, addresses };
}

/** x transposed to [inputWidth][batch] doubles. */
function columnsOf(x: Float32Array, batch: number, inputWidth: number): Float64Array {
  const columns = new Float64Array(inputWidth * batch);
  for (let b = 0; b < batch; b++) {
    const row = b * inputWidth;
    for (let c = 0; c < inputWidth; c++) columns[c * batch + b] = x[row + c];
  }
  return columns;
}

/**
 * Writes the monomial coefficients c = H w / 2^k of one table into `out`: stage i replaces
 * each pair (lo, hi) differing in bit i by ((lo + hi) / 2, (hi - lo) / 2).
 */
function monomialCoefficients(weights: Float32Array, base: number, k: number, out: Float64Array): void {
  const entries = 1 << k;
  for (let p = 0; p < entries; p++) out[p] = weights[base + p];
  for (let i = 0; i < k; i++) {
    const bit = 1 << i;
    for (let p = 0; p < entries; p++) {
      if (p & bit) continue;
      const lo = out[p];
      const hi = out[p | bit];
      out[p] = (lo + hi) / 2;
      out[p | bit] = (hi - lo) / 2;
    }
  }
}

/** Applies the transpose of `monomialCoefficients`' linear map in place: the chain rule from dc to dw. */
function monomialCoefficientsTranspose(values: Float64Array, k: number): void {
  const entries = 1 << k;
  for (let i = 0; i < k; i++) {
    const bit = 1 << i;
    for (let p = 0; p < entries; p++) {
      if (p & bit) continue;
      const lo = values[p];
      const hi = values[p | bit];
      values[p] = (lo - hi) / 2;
      values[p | bit] = (lo + hi) / 2;
    }
  }
}

/**
 * Folds the inputs out of a table in monomial form, for every sample at once. Level i has
 * 2^i nodes of `batch` values at offset (2^i - 1) * batch of `levels`:
 *
 *     g_k = c,   g_i[q] = g_{i+1}[q] + x_i * g_{i+1}[q + 2^i]   (q < 2^i),   f = g_0[0]
 *
 * Level 0 (offset 0) ends up holding f for each sample. `inputs[i]` is the offset of input i's
 * column in `columns`.
 */
function foldTable(coefficients: Float64Array, columns: Float64Array, inputs: Int32Array, k: number, batch: number, levels: Float64Array): void {
  const top = k - 1;
  const topHalf = 1 << top;
  const topColumn = inputs[top];
  for (let q = 0; q < topHalf; q++) {
    const out = (topHalf - 1 + q) * batch;
    const low = coefficients[q];
    const high = coefficients[q + topHalf];
    for (let b = 0; b < batch; b++) levels[out + b] = low + columns[topColumn + b] * high;
  }
  for (let i = top - 1; i >= 0; i--) {
    const half = 1 << i;
    const column = inputs[i];
    const parent = (2 * half - 1) * batch;
    for (let q = 0; q < half; q++) {
      const out = (half - 1 + q) * batch;
      const low = parent + q * batch;
      const high = parent + (q + half) * batch;
      for (let b = 0; b < batch; b++) levels[out + b] = levels[low + b] + columns[column + b] * levels[high + b];
    }
  }
}

export function lutForwardJs(
  x: Float32Array,
  batch: number,
  weights: Float32Array,
  gamma: number,
  mask: Int32Array,
  shape: LutShape,
  options: LutOptions,
  addresses?: BinaryAddresses,
): Float32Array {
  const { neurons, tablesPerNeuron, k, inputWidth } = shape;
  const entries = entriesPerTable(shape);
  const scale = Math.abs(gamma);
  const y = new Float32Array(batch * neurons);
  const sums = new Float64Array(batch);
  const binarize = options.binarizeOutput;

  const prepared = options.binaryInputs ? (addresses ?? binaryAddresses(x, batch, mask, shape)) : undefined;
  const columns = prepared ? undefined : columnsOf(x, batch, inputWidth);
  const coefficients = new Float64Array(entries);
  const levels = new Float64Array(Math.max(1, entries - 1) * batch);
  const inputs = new Int32Array(k);

  for (let j = 0; j < neurons; j++) {
    sums.fill(0);
    for (let tj = 0; tj < tablesPerNeuron; tj++) {
      const t = j * tablesPerNeuron + tj;
      const wBase = t * entries;
      if (prepared) {
        const table = prepared.addresses;
        const aBase = t * prepared.stride;
        if (binarize) {
          for (let b = 0; b < batch; b++) sums[b] += scale * weights[wBase + table[aBase + b]] >= 0 ? 1 : -1;
        } else {
          for (let b = 0; b < batch; b++) sums[b] += weights[wBase + table[aBase + b]];
        }
        continue;
      }
      monomialCoefficients(weights, wBase, k, coefficients);
      for (let i = 0; i < k; i++) inputs[i] = mask[t * k + i] * batch;
      foldTable(coefficients, columns!, inputs, k, batch, levels);
      if (binarize) {
        for (let b = 0; b < batch; b++) sums[b] += scale * levels[b] >= 0 ? 1 : -1;
      } else {
        for (let b = 0; b < batch; b++) sums[b] += levels[b];
      }
    }
    // Sum first, scale once: with ±1 entries and binary inputs the sum is an exact integer S,
    // so the output is exactly fround(|gamma| * S) whatever the order of the tables.
    const factor = binarize ? 1 : scale;
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
  addresses?: BinaryAddresses,
): LutGradients {
  const { neurons, inputWidth } = shape;
  const scale = Math.abs(gamma);
  const gammaSign = gamma >= 0 ? 1 : -1;

  // dyColumns[j][b]: the output gradient transposed, one contiguous column per neuron.
  const dyColumns = new Float64Array(neurons * batch);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < neurons; j++) dyColumns[j * batch + b] = dy[b * neurons + j];
  }

  const result = options.binaryInputs
    ? backwardBinary(dyColumns, batch, weights, scale, mask, shape, options, addresses ?? binaryAddresses(x, batch, mask, shape))
    : backwardReal(dyColumns, columnsOf(x, batch, inputWidth), batch, weights, scale, mask, shape, options);

  const dx = new Float32Array(x.length);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < inputWidth; c++) dx[b * inputWidth + c] = result.dxColumns[c * result.stride + b];
  }
  return { dx, dWeights: result.dWeights, dGamma: result.dGamma * gammaSign };
}

interface ColumnGradients {
  /** dL/dx transposed, [inputWidth][stride]. */
  dxColumns: Float64Array;
  stride: number;
  dWeights: Float32Array;
  /** dL/d|gamma|. */
  dGamma: number;
}

/**
 * Backward pass with binary inputs. The gradient of o_t with respect to f_t is |gamma|, or
 * with a binarized output the straight-through |gamma| * [|gamma f_t| <= 1].
 *
 * The input gradients go four table inputs per pass over the batch, so each sample's address
 * and df are read once per four inputs. k is padded to a multiple of 4 with inputs that point
 * to a scratch column (index inputWidth) and have zero slopes.
 */
function backwardBinary(
  dyColumns: Float64Array,
  batch: number,
  weights: Float32Array,
  scale: number,
  mask: Int32Array,
  shape: LutShape,
  options: LutOptions,
  prepared: BinaryAddresses,
): ColumnGradients {
  const { tablesPerNeuron, k, inputWidth } = shape;
  const entries = entriesPerTable(shape);
  const { stride, addresses } = prepared;
  // NOTE: with k = 1, 2, 5 or 6 up to 3/4 of the writes of one group go to the scratch column,
  // so small k may run faster with one loop per table input. That was not measured.
  const paddedK = (k + 3) & ~3;
  const dxColumns = new Float64Array((inputWidth + 1) * stride);
  const dWeights = new Float32Array(weights.length);
  const dWeightsTable = new Float64Array(entries);
  // slopes[p][i] = (w[p with bit i set] - w[p with bit i clear]) / 2, once per table.
  const slopes = new Float64Array(entries * paddedK);
  const columns = new Int32Array(paddedK).fill(inputWidth * stride);
  const df = new Float64Array(batch);
  let dGamma = 0;

  for (let t = 0; t < tableCount(shape); t++) {
    const dyBase = Math.floor(t / tablesPerNeuron) * batch;
    const wBase = t * entries;
    const aBase = t * stride;

    let gammaSum = 0;
    if (options.binarizeOutput) {
      for (let b = 0; b < batch; b++) {
        const f = weights[wBase + addresses[aBase + b]];
        const pass = Math.abs(scale * f) <= 1 ? 1 : 0;
        df[b] = dyColumns[dyBase + b] * scale * pass;
        gammaSum += dyColumns[dyBase + b] * f * pass;
      }
    } else {
      for (let b = 0; b < batch; b++) {
        df[b] = dyColumns[dyBase + b] * scale;
        gammaSum += dyColumns[dyBase + b] * weights[wBase + addresses[aBase + b]];
      }
    }
    dGamma += gammaSum;

    dWeightsTable.fill(0);
    for (let b = 0; b < batch; b++) dWeightsTable[addresses[aBase + b]] += df[b];
    for (let p = 0; p < entries; p++) dWeights[wBase + p] = dWeightsTable[p];

    for (let i = 0; i < k; i++) {
      const bit = 1 << i;
      columns[i] = mask[t * k + i] * stride;
      for (let p = 0; p < entries; p++) slopes[p * paddedK + i] = (weights[wBase + (p | bit)] - weights[wBase + (p & ~bit)]) / 2;
    }
    for (let group = 0; group < paddedK; group += 4) {
      const c0 = columns[group];
      const c1 = columns[group + 1];
      const c2 = columns[group + 2];
      const c3 = columns[group + 3];
      for (let b = 0; b < batch; b++) {
        const row = addresses[aBase + b] * paddedK + group;
        const d = df[b];
        dxColumns[c0 + b] += d * slopes[row];
        dxColumns[c1 + b] += d * slopes[row + 1];
        dxColumns[c2 + b] += d * slopes[row + 2];
        dxColumns[c3 + b] += d * slopes[row + 3];
      }
    }
  }
  return { dxColumns, stride, dWeights, dGamma };
}

/**
 * Backward pass with real inputs: the fold of `foldTable` in reverse. The adjoint starts as
 * df at the root; descending level i, each node q sends its adjoint unchanged to child q and
 * times x_i to child q + 2^i, and dx_i collects adjoint * g_{i+1}[q + 2^i]. At the leaves the
 * adjoint is df * prod_{i in S} x_i, whose sum over the batch is dL/dc_S; the transposed
 * butterfly turns it into dL/dw.
 */
function backwardReal(
  dyColumns: Float64Array,
  columns: Float64Array,
  batch: number,
  weights: Float32Array,
  scale: number,
  mask: Int32Array,
  shape: LutShape,
  options: LutOptions,
): ColumnGradients {
  const { tablesPerNeuron, k, inputWidth } = shape;
  const entries = entriesPerTable(shape);
  const dxColumns = new Float64Array(inputWidth * batch);
  const dWeights = new Float32Array(weights.length);
  const coefficients = new Float64Array(entries);
  const levels = new Float64Array(Math.max(1, entries - 1) * batch);
  const adjoint = new Float64Array((entries >> 1) * batch);
  const dCoefficients = new Float64Array(entries);
  const inputs = new Int32Array(k);
  let dGamma = 0;

  for (let t = 0; t < tableCount(shape); t++) {
    const dyBase = Math.floor(t / tablesPerNeuron) * batch;
    const wBase = t * entries;
    monomialCoefficients(weights, wBase, k, coefficients);
    for (let i = 0; i < k; i++) inputs[i] = mask[t * k + i] * batch;
    foldTable(coefficients, columns, inputs, k, batch, levels);

    // Root: levels[b] is f for sample b.
    let gammaSum = 0;
    for (let b = 0; b < batch; b++) {
      const f = levels[b];
      const pass = !options.binarizeOutput || Math.abs(scale * f) <= 1 ? 1 : 0;
      adjoint[b] = dyColumns[dyBase + b] * scale * pass;
      gammaSum += dyColumns[dyBase + b] * f * pass;
    }
    dGamma += gammaSum;

    for (let i = 0; i < k; i++) {
      const half = 1 << i;
      const column = inputs[i];
      for (let q = 0; q < half; q++) {
        const node = q * batch;
        if (i === k - 1) {
          // Last level: the children are leaves, so sum their adjoints over the batch here
          // instead of storing them.
          const high = coefficients[q + half];
          let lowSum = 0;
          let highSum = 0;
          for (let b = 0; b < batch; b++) {
            const a = adjoint[node + b];
            dxColumns[column + b] += a * high;
            lowSum += a;
            highSum += a * columns[column + b];
          }
          dCoefficients[q] = lowSum;
          dCoefficients[q + half] = highSum;
        } else {
          const high = (2 * half - 1 + q + half) * batch;
          const child = (q + half) * batch;
          for (let b = 0; b < batch; b++) {
            const a = adjoint[node + b];
            dxColumns[column + b] += a * levels[high + b];
            adjoint[child + b] = a * columns[column + b];
          }
        }
      }
    }

    monomialCoefficientsTranspose(dCoefficients, k);
    for (let p = 0; p < entries; p++) dWeights[wBase + p] = dCoefficients[p];
  }
  return { dxColumns, stride: batch, dWeights, dGamma };
}
