/**
 * The LUT op as fused WGSL programs for the tfjs webgpu backend: one forward program and two
 * backward programs, for the input gradients and for the entry gradients with per-table gamma
 * partials. This is the only file that touches tfjs internals. It uses the backend's
 * `runWebGPUProgram`, the shape of its program objects and `engine().makeTensorFromTensorInfo`
 * (tfjs-backend-webgpu 4.22).
 *
 * Every thread writes its own outputs and sums in a fixed order, so no program needs float
 * atomics and the results are deterministic:
 * - forward: one thread per (sample, neuron), summing the neuron's tables;
 * - input gradients: one thread per (sample, input), visiting the (table, table input) pairs
 *   that read the input through an inverted mask;
 * - entry gradients: one thread per table, looping over the batch with a private accumulator
 *   of 2^k entries, plus the table's share of the gamma gradient in an extra column that a
 *   tfjs sum reduces afterwards.
 * No program materialises anything of size batch x tables x 2^k.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { entriesPerTable, tableCount, type LutOptions, type LutShape } from './shape';

const WORKGROUP_SIZE = 64;

/** The part of the webgpu backend that runs custom programs. */
interface WebGpuBackendLike {
  runWebGPUProgram(program: WebGPUProgram, inputs: tf.TensorInfo[], outputDtype: tf.DataType): tf.TensorInfo;
}

function runProgram(program: WebGPUProgram, inputs: tf.Tensor[]): tf.Tensor {
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  const info = backend.runWebGPUProgram(program, inputs, 'float32');
  return tf.engine().makeTensorFromTensorInfo(info);
}

/**
 * Builds a flat program of `threads` threads calling `main(index)`. The code must read
 * `uniforms`, because tfjs always binds the uniform buffer and WebGPU rejects a binding that
 * the shader never uses.
 */
function makeProgram(name: string, outputShape: number[], threads: number, variableNames: string[], code: string): WebGPUProgram {
  return {
    variableNames,
    outputShape,
    shaderKey: name,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(threads / WORKGROUP_SIZE), 1, 1],
    workgroupSize: [WORKGROUP_SIZE, 1, 1],
    getUserCode: () => code,
  };
}

/**
 * Returns the WGSL shared by the three programs: the shape as constants, and the value f_t and
 * slope df_t/dx_i of table t for sample b. X contains the inputs, W the entries, M the mask.
 */
function commonCode(shape: LutShape, batch: number, options: LutOptions): string {
  const { k, neurons, tablesPerNeuron, inputWidth } = shape;
  const entries = entriesPerTable(shape);
  const constants = `
    const K = ${k};
    const ENTRIES = ${entries};
    const TABLES_PER_NEURON = ${tablesPerNeuron};
    const NEURONS = ${neurons};
    const WIDTH = ${inputWidth};
    const BATCH = ${batch};
    const TABLES = ${tableCount(shape)};

    // Entry 'index' of W as the op reads it (see binarizeEntries in shape.ts).
    fn entry(index: i32) -> f32 {
      return ${options.binarizeEntries ? 'select(-1.0, 1.0, W[index] >= 0.0)' : 'W[index]'};
    }

    // 1 where the gradient of stored entry 'index' passes, else 0.
    fn entryPass(index: i32) -> f32 {
      return ${options.binarizeEntries ? 'select(0.0, 1.0, abs(W[index]) <= 1.0)' : '1.0'};
    }
  `;
  if (options.binaryInputs) {
    return `${constants}
    fn tableAddress(t: i32, b: i32) -> i32 {
      var address = 0;
      for (var i = 0; i < K; i++) {
        if (X[b * WIDTH + M[t * K + i]] >= 0.0) { address = address | (1 << u32(i)); }
      }
      return address;
    }

    fn tableValue(t: i32, b: i32) -> f32 {
      return entry(t * ENTRIES + tableAddress(t, b));
    }

    // Half the difference of the two entries whose addresses differ in bit i.
    fn tableSlope(t: i32, b: i32, i: i32) -> f32 {
      let address = tableAddress(t, b);
      let bit = 1 << u32(i);
      return (entry(t * ENTRIES + (address | bit)) - entry(t * ENTRIES + (address & ~bit))) * 0.5;
    }
    `;
  }
  return `${constants}
    // Lagrange basis prod_i (1 + s_p,i x_i) / 2 of table t for sample b, with input 'skip'
    // replaced by 'forced' (skip = -1 replaces nothing).
    fn fillBasis(t: i32, b: i32, skip: i32, forced: f32, basis: ptr<function, array<f32, ${entries}>>) {
      (*basis)[0] = 1.0;
      for (var i = 0; i < K; i++) {
        var v = X[b * WIDTH + M[t * K + i]];
        if (i == skip) { v = forced; }
        let up = (1.0 + v) * 0.5;
        let down = (1.0 - v) * 0.5;
        let half = 1 << u32(i);
        for (var p = 0; p < half; p++) {
          let c = (*basis)[p];
          (*basis)[p + half] = c * up;
          (*basis)[p] = c * down;
        }
      }
    }

    fn tableValueWith(t: i32, b: i32, skip: i32, forced: f32) -> f32 {
      var basis: array<f32, ${entries}>;
      fillBasis(t, b, skip, forced, &basis);
      var f = 0.0;
      for (var p = 0; p < ENTRIES; p++) { f += entry(t * ENTRIES + p) * basis[p]; }
      return f;
    }

    fn tableValue(t: i32, b: i32) -> f32 {
      return tableValueWith(t, b, -1, 0.0);
    }

    // f is multilinear, so df/dx_i = (f(x_i = +1) - f(x_i = -1)) / 2 exactly.
    fn tableSlope(t: i32, b: i32, i: i32) -> f32 {
      return (tableValueWith(t, b, i, 1.0) - tableValueWith(t, b, i, -1.0)) * 0.5;
    }
    `;
}

/** WGSL expression: 1 where the straight-through gradient of the table output passes, else 0. */
function passExpression(options: LutOptions): string {
  return options.binarizeOutput ? 'select(0.0, 1.0, abs(scale * f) <= 1.0)' : '1.0';
}

function shaderKey(kind: string, shape: LutShape, batch: number, options: LutOptions): string {
  const { k, neurons, tablesPerNeuron, inputWidth } = shape;
  return `deeplut_lut_${kind}_${k}_${neurons}_${tablesPerNeuron}_${inputWidth}_${batch}_${options.binaryInputs ? 1 : 0}${options.binarizeOutput ? 1 : 0}${options.binarizeEntries ? 1 : 0}`;
}

function forwardProgram(shape: LutShape, batch: number, options: LutOptions): WebGPUProgram {
  const accumulate = options.binarizeOutput ? 'if (scale * f >= 0.0) { sum += 1.0; } else { sum -= 1.0; }' : 'sum += f;';
  // Sum first, scale once: see the exactness contract in op.ts.
  const output = options.binarizeOutput ? 'sum' : 'scale * sum';
  const code = `${commonCode(shape, batch, options)}
    fn main(index: i32) {
      if (index >= uniforms.outShape.x * uniforms.outShape.y) { return; }
      let b = index / NEURONS;
      let j = index % NEURONS;
      let scale = abs(G[0]);
      var sum = 0.0;
      for (var tj = 0; tj < TABLES_PER_NEURON; tj++) {
        let f = tableValue(j * TABLES_PER_NEURON + tj, b);
        ${accumulate}
      }
      result[index] = ${output};
    }
  `;
  return makeProgram(shaderKey('forward', shape, batch, options), [batch, shape.neurons], batch * shape.neurons, ['X', 'W', 'G', 'M'], code);
}

/** Builds the input-gradient program. D contains dL/dy, and O and U are the inverted mask (see `invertMask`). */
function inputGradientProgram(shape: LutShape, batch: number, options: LutOptions): WebGPUProgram {
  const code = `${commonCode(shape, batch, options)}
    fn main(index: i32) {
      if (index >= uniforms.outShape.x * uniforms.outShape.y) { return; }
      let b = index / WIDTH;
      let c = index % WIDTH;
      let scale = abs(G[0]);
      var total = 0.0;
      for (var u = O[c]; u < O[c + 1]; u++) {
        let t = U[u] / K;
        let i = U[u] % K;
        let f = tableValue(t, b);
        let passes = ${passExpression(options)};
        total += D[b * NEURONS + t / TABLES_PER_NEURON] * scale * passes * tableSlope(t, b, i);
      }
      result[index] = total;
    }
  `;
  return makeProgram(shaderKey('dx', shape, batch, options), [batch, shape.inputWidth], batch * shape.inputWidth, ['X', 'W', 'G', 'M', 'D', 'O', 'U'], code);
}

/** Output [tables, 2^k + 1]: dL/dw per entry, and in the last column the table's part of dL/d|gamma|. */
function entryGradientProgram(shape: LutShape, batch: number, options: LutOptions): WebGPUProgram {
  const entries = entriesPerTable(shape);
  const accumulate = options.binaryInputs
    ? `let address = tableAddress(t, b);
        let f = entry(t * ENTRIES + address);
        let passes = ${passExpression(options)};
        accumulator[address] += dy * scale * passes;
        gammaSum += dy * f * passes;`
    : `var basis: array<f32, ${entries}>;
        fillBasis(t, b, -1, 0.0, &basis);
        var f = 0.0;
        for (var p = 0; p < ENTRIES; p++) { f += entry(t * ENTRIES + p) * basis[p]; }
        let passes = ${passExpression(options)};
        let df = dy * scale * passes;
        for (var p = 0; p < ENTRIES; p++) { accumulator[p] += df * basis[p]; }
        gammaSum += dy * f * passes;`;
  const code = `${commonCode(shape, batch, options)}
    fn main(index: i32) {
      if (index >= uniforms.outShape.x) { return; }
      let t = index;
      let scale = abs(G[0]);
      var accumulator: array<f32, ${entries}>;
      var gammaSum = 0.0;
      for (var b = 0; b < BATCH; b++) {
        let dy = D[b * NEURONS + t / TABLES_PER_NEURON];
        ${accumulate}
      }
      for (var p = 0; p < ENTRIES; p++) { result[t * (ENTRIES + 1) + p] = accumulator[p] * entryPass(t * ENTRIES + p); }
      result[t * (ENTRIES + 1) + ENTRIES] = gammaSum;
    }
  `;
  const tables = tableCount(shape);
  return makeProgram(shaderKey('dw', shape, batch, options), [tables, entries + 1], tables, ['X', 'W', 'G', 'M', 'D'], code);
}

/**
 * Inverts the mask: for input c, `uses[offsets[c] .. offsets[c + 1]]` lists the flat mask
 * positions t * k + i of the table inputs wired to c, in increasing order.
 */
export function invertMask(mask: Int32Array, inputWidth: number): { offsets: Int32Array; uses: Int32Array } {
  const offsets = new Int32Array(inputWidth + 1);
  for (let n = 0; n < mask.length; n++) offsets[mask[n] + 1]++;
  for (let c = 0; c < inputWidth; c++) offsets[c + 1] += offsets[c];
  const next = offsets.slice(0, inputWidth);
  const uses = new Int32Array(mask.length);
  for (let n = 0; n < mask.length; n++) uses[next[mask[n]]++] = n;
  return { offsets, uses };
}

/** True when the active tfjs backend can run the WGSL programs of this file. */
export function webGpuActive(): boolean {
  return tf.getBackend() === 'webgpu';
}

/** The LUT op on the webgpu backend, with its gradient; same contract as `lut` in op.ts. */
export function lutWebGpu(x: tf.Tensor2D, weights: tf.Tensor, gamma: tf.Scalar, mask: Int32Array, shape: LutShape, options: LutOptions): tf.Tensor2D {
  const batch = x.shape[0];
  const op = tf.customGrad(((xIn: tf.Tensor, wIn: tf.Tensor, gIn: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xIn, wIn, gIn]);
    const value = tf.tidy(() => {
      const maskTensor = tf.tensor1d(mask, 'int32');
      return runProgram(forwardProgram(shape, batch, options), [xIn, wIn, gIn.reshape([1]), maskTensor]);
    });

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws, gs] = saved;
      return tf.tidy(() => {
        const maskTensor = tf.tensor1d(mask, 'int32');
        const inverse = invertMask(mask, shape.inputWidth);
        const g1 = gs.reshape([1]);
        const inputs = [xs, ws, g1, maskTensor, dy];
        const dx = runProgram(inputGradientProgram(shape, batch, options), [
          ...inputs,
          tf.tensor1d(inverse.offsets, 'int32'),
          tf.tensor1d(inverse.uses, 'int32'),
        ]);

        const entries = entriesPerTable(shape);
        const tables = tableCount(shape);
        const perTable = runProgram(entryGradientProgram(shape, batch, options), inputs);
        const dWeights = perTable.slice([0, 0], [tables, entries]).reshape(ws.shape);
        // d|gamma|/dgamma is -1 at gamma = 0, as in tfjs's gradient of abs.
        const gammaSign = tf.where(tf.greater(gs, 0), tf.scalar(1), tf.scalar(-1));
        const dGamma = tf.mul(tf.sum(perTable.slice([0, entries], [tables, 1])), gammaSign);
        return [dx, dWeights, dGamma];
      });
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, weights, gamma) as tf.Tensor2D;
}
