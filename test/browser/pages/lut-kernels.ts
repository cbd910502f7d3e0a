/**
 * Page script of the WGSL kernel tests: runs the LUT op with the 'webgpu' implementation on
 * the webgpu backend and the reference composition on the cpu backend, for the same random
 * inputs, and returns the largest differences. The Node side (lut-kernels.test.ts) asserts.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { lut, setLutImplementation } from '../../../src/core/lut/op';
import type { LutOptions, LutShape } from '../../../src/core/lut/shape';
import { Random } from '../../../src/core/random';

export interface KernelCase {
  k: number;
  binaryInputs: boolean;
  binarizeOutput: boolean;
  /** Entries of exactly -1 or +1 instead of uniform reals. */
  signEntries: boolean;
  /** The op binarizes the entries (see LutOptions); they are drawn from -1.5 to 1.5, with exact zeros. */
  binarizeEntries?: boolean;
}

export interface KernelCaseResult extends KernelCase {
  backend: string;
  /** Largest |fast - reference| / (1 + |reference|) of the output and of each gradient. */
  errors: { y: number; dx: number; dw: number; dGamma: number };
  /** Outputs that differ from Math.fround(|gamma| * S) (or S with binarized outputs), counted where the contract applies. */
  contractViolations: number;
  tensorsLeaked: number;
}

interface Results {
  y: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
  dGamma: Float32Array;
}

const SHAPE_BASE = { inputWidth: 9, neurons: 3, tablesPerNeuron: 5 };
const BATCH = 5;
const GAMMA = -0.37;

/**
 * Runs the op and its gradients on `backend`. Results are read with the asynchronous
 * `data()`: in headless Chromium 156 with SwiftShader, `dataSync()` on the webgpu backend
 * returned zeros.
 */
async function runOp(backend: string, implementation: 'webgpu' | 'reference', data: ReturnType<typeof makeData>, shape: LutShape, options: LutOptions): Promise<Results> {
  setLutImplementation(implementation);
  const x = tf.tensor2d(data.x, [BATCH, shape.inputWidth]);
  const w = tf.tensor2d(data.weights, [shape.neurons * shape.tablesPerNeuron, 1 << shape.k]);
  const g = tf.scalar(GAMMA);
  const dy = tf.tensor2d(data.dy, [BATCH, shape.neurons]);
  const y = lut(x, w, g, data.mask, shape, options);
  const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(lut(a as tf.Tensor2D, b, c as tf.Scalar, data.mask, shape, options), dy)) as tf.Scalar;
  const [dx, dw, dGamma] = tf.grads(loss)([x, w, g]);
  setLutImplementation('auto');
  if (tf.getBackend() !== backend) throw new Error(`expected the ${backend} backend, but ${tf.getBackend()} ran`);

  const results: Results = {
    y: (await y.data()) as Float32Array,
    dx: (await dx.data()) as Float32Array,
    dw: (await dw.data()) as Float32Array,
    dGamma: (await dGamma.data()) as Float32Array,
  };
  tf.dispose([x, w, g, dy, y, dx, dw, dGamma]);
  return results;
}

function makeData(testCase: KernelCase, shape: LutShape) {
  const rng = new Random(`wgsl-${testCase.k}-${testCase.binaryInputs}-${testCase.binarizeOutput}-${testCase.signEntries}-${testCase.binarizeEntries}`);
  const entry = (i: number) => {
    if (testCase.signEntries) return rng.sign();
    if (!testCase.binarizeEntries) return rng.uniform(-1, 1);
    return i % 5 === 0 ? 0 : rng.uniform(-1.5, 1.5);
  };
  const tables = shape.neurons * shape.tablesPerNeuron;
  return {
    x: new Float32Array(BATCH * shape.inputWidth).map(() => (testCase.binaryInputs ? rng.sign() : rng.uniform(-1, 1))),
    weights: new Float32Array(tables << shape.k).map((_, i) => entry(i)),
    mask: new Int32Array(tables * shape.k).map(() => rng.int(shape.inputWidth)),
    dy: new Float32Array(BATCH * shape.neurons).map(() => rng.uniform(-1, 1)),
  };
}

function largestError(fast: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (fast.length !== reference.length) return Infinity;
  let largest = 0;
  for (let i = 0; i < fast.length; i++) largest = Math.max(largest, Math.abs(fast[i] - reference[i]) / (1 + Math.abs(reference[i])));
  return largest;
}

/** Counts outputs that break the exactness contract, computing S from the raw data. */
function contractViolations(y: Float32Array, data: ReturnType<typeof makeData>, shape: LutShape, options: LutOptions): number {
  const { k, neurons, tablesPerNeuron, inputWidth } = shape;
  let violations = 0;
  for (let b = 0; b < BATCH; b++) {
    for (let j = 0; j < neurons; j++) {
      let sum = 0;
      for (let tj = 0; tj < tablesPerNeuron; tj++) {
        const t = j * tablesPerNeuron + tj;
        let address = 0;
        for (let i = 0; i < k; i++) if (data.x[b * inputWidth + data.mask[t * k + i]] >= 0) address |= 1 << i;
        const stored = data.weights[(t << k) + address];
        const sign = stored >= 0 ? 1 : -1;
        const entry = options.binarizeEntries ? sign : stored;
        if (!options.binarizeOutput) sum += entry;
        else sum += Math.abs(GAMMA) * entry >= 0 ? 1 : -1;
      }
      const expected = options.binarizeOutput ? sum : Math.fround(Math.abs(GAMMA) * sum);
      if (y[b * neurons + j] !== expected) violations++;
    }
  }
  return violations;
}

async function runCases(cases: KernelCase[]): Promise<KernelCaseResult[]> {
  const out: KernelCaseResult[] = [];
  for (const testCase of cases) {
    const shape: LutShape = { ...SHAPE_BASE, k: testCase.k };
    const options: LutOptions = { binaryInputs: testCase.binaryInputs, binarizeOutput: testCase.binarizeOutput, binarizeEntries: testCase.binarizeEntries ?? false };
    const data = makeData(testCase, shape);

    if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to start');
    const reference = await runOp('cpu', 'reference', data, shape, options);

    if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend failed to start: no WebGPU adapter');
    const before = tf.memory().numTensors;
    const fast = await runOp('webgpu', 'webgpu', data, shape, options);
    const tensorsLeaked = tf.memory().numTensors - before;

    const contractApplies = testCase.binaryInputs && (testCase.signEntries || options.binarizeEntries === true);
    out.push({
      ...testCase,
      backend: tf.getBackend(),
      errors: {
        y: largestError(fast.y, reference.y),
        dx: largestError(fast.dx, reference.dx),
        dw: largestError(fast.dw, reference.dw),
        dGamma: largestError(fast.dGamma, reference.dGamma),
      },
      contractViolations: contractApplies ? contractViolations(fast.y, data, shape, options) : 0,
      tensorsLeaked,
    });
  }
  return out;
}

declare global {
  interface Window {
    runLutKernelCases?: typeof runCases;
  }
}

window.runLutKernelCases = runCases;
