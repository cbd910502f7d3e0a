import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { lutBackward, lutForward } from '../../src/core/lut/pool';
import { lutReference } from '../../src/core/lut/reference';
import { steSign } from '../../src/core/lut/binarize';
import { LutLinear } from '../../src/core/layers/lut-linear';
import { getLutImplementation, lut, setLutImplementation } from '../../src/core/lut/op';
import type { LutOptions, LutShape } from '../../src/core/lut/shape';
import { Random } from '../../src/core/random';
import type { LutLinearSpec } from '../../src/core/spec/schema';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const REAL: LutOptions = { binaryInputs: false, binarizeOutput: false };

function randomCase(seed: string, shape: LutShape, batch: number, binaryInputs: boolean) {
  const rng = new Random(seed);
  const entries = 1 << shape.k;
  const x = new Float32Array(batch * shape.inputWidth).map(() => (binaryInputs ? rng.sign() : rng.uniform(-1, 1)));
  const weights = new Float32Array(shape.neurons * shape.tablesPerNeuron * entries).map(() => rng.uniform(-1, 1));
  const mask = new Int32Array(shape.neurons * shape.tablesPerNeuron * shape.k).map(() => rng.int(shape.inputWidth));
  const dy = new Float32Array(batch * shape.neurons).map(() => rng.uniform(-1, 1));
  return { x, weights, mask, dy };
}

describe('Lagrange table with k = 2', () => {
  const shape: LutShape = { inputWidth: 2, neurons: 1, tablesPerNeuron: 1, k: 2 };
  const weights = new Float32Array([0.5, -1, 0.25, 2]);
  const mask = new Int32Array([0, 1]);

  it('reads out entry p at corner p', () => {
    // Address bit 0 is input 0: (x0, x1) = (-1,-1) -> 0, (+1,-1) -> 1, (-1,+1) -> 2, (+1,+1) -> 3.
    const corners = new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]);
    for (const binaryInputs of [false, true]) {
      const y = lutForward(corners, 4, weights, 1, mask, shape, { binaryInputs, binarizeOutput: false }, false).y;
      expect(Array.from(y)).toEqual([0.5, -1, 0.25, 2]);
    }
  });

  it('interpolates at an interior point', () => {
    // basis at (0.5, -0.5): p0 = 0.25*0.75, p1 = 0.75*0.75, p2 = 0.25*0.25, p3 = 0.75*0.25
    // f = 0.5*0.1875 - 0.5625 + 0.25*0.0625 + 2*0.1875 = -0.078125; |gamma| = 2.
    const y = lutForward(new Float32Array([0.5, -0.5]), 1, weights, -2, mask, shape, REAL, false).y;
    expect(y[0]).toBeCloseTo(-0.15625, 7);
  });

  it('reference op agrees at the interior point', () => {
    const y = lutReference(tf.tensor2d([[0.5, -0.5]]), tf.tensor2d(weights, [1, 4]), tf.scalar(-2), mask, shape, REAL);
    expect(y.dataSync()[0]).toBeCloseTo(-0.15625, 6);
  });

  it('binarized output is the sign of each table', () => {
    const y = lutForward(new Float32Array([1, -1, 1, 1]), 2, weights, 0.1, mask, shape, { binaryInputs: true, binarizeOutput: true }, false).y;
    expect(Array.from(y)).toEqual([-1, 1]);
  });
});

describe('js kernel against finite differences', () => {
  it.each([1, 2, 3, 5])('real inputs, k = %i', (k) => {
    const shape: LutShape = { inputWidth: 7, neurons: 3, tablesPerNeuron: 2, k };
    const batch = 3;
    const { x, weights, mask, dy } = randomCase(`fd-${k}`, shape, batch, false);
    const gamma = -0.7;
    const loss = (xs: Float32Array, ws: Float32Array, g: number) => {
      const y = lutForward(xs, batch, ws, g, mask, shape, REAL, false).y;
      let total = 0;
      for (let i = 0; i < y.length; i++) total += y[i] * dy[i];
      return total;
    };
    const grads = lutBackward(dy, x, batch, weights, gamma, mask, shape, REAL, undefined, false);
    const h = 1e-2; // The loss is multilinear in each coordinate, so central differences are exact up to rounding.

    for (let i = 0; i < x.length; i++) {
      const plus = x.slice();
      const minus = x.slice();
      plus[i] += h;
      minus[i] -= h;
      expect(grads.dx[i]).toBeCloseTo((loss(plus, weights, gamma) - loss(minus, weights, gamma)) / (2 * h), 3);
    }
    for (let i = 0; i < weights.length; i++) {
      const plus = weights.slice();
      const minus = weights.slice();
      plus[i] += h;
      minus[i] -= h;
      expect(grads.dWeights[i]).toBeCloseTo((loss(x, plus, gamma) - loss(x, minus, gamma)) / (2 * h), 3);
    }
    expect(grads.dGamma).toBeCloseTo((loss(x, weights, gamma + h) - loss(x, weights, gamma - h)) / (2 * h), 3);
  });
});

describe('js kernel exactness contract', () => {
  it.each([1, 2, 4, 6, 8])('k = %i outputs fround(|gamma| * S) exactly', (k) => {
    const shape: LutShape = { inputWidth: 13, neurons: 7, tablesPerNeuron: 37, k };
    const batch = 9;
    const rng = new Random(`contract-${k}`);
    const { x, mask } = randomCase(`contract-${k}`, shape, batch, true);
    const weights = new Float32Array(shape.neurons * shape.tablesPerNeuron << k).map(() => rng.sign());
    const gamma = Math.fround(0.1 + rng.float());

    for (const binarizeOutput of [false, true]) {
      const y = lutForward(x, batch, weights, gamma, mask, shape, { binaryInputs: true, binarizeOutput }, false).y;
      for (let b = 0; b < batch; b++) {
        for (let j = 0; j < shape.neurons; j++) {
          let sum = 0;
          for (let tj = 0; tj < shape.tablesPerNeuron; tj++) {
            const t = j * shape.tablesPerNeuron + tj;
            let address = 0;
            for (let i = 0; i < k; i++) if (x[b * shape.inputWidth + mask[t * k + i]] >= 0) address |= 1 << i;
            sum += weights[(t << k) + address];
          }
          expect(y[b * shape.neurons + j]).toBe(binarizeOutput ? sum : Math.fround(gamma * sum));
        }
      }
    }
  });
});

describe('js kernel against the reference composition', () => {
  const cases: Array<[number, boolean, boolean]> = [];
  for (let k = 1; k <= 8; k++) {
    cases.push([k, false, false], [k, true, false], [k, true, true], [k, false, true]);
  }

  // The second shape is large enough that the kernels split it into chunks of neurons.
  cases.push([3, false, false], [4, true, false], [2, true, true]);
  const shapes = cases.map((_, i) => (i < 32 ? { neurons: 5, tablesPerNeuron: 3, batch: 7 } : { neurons: 24, tablesPerNeuron: 48, batch: 30 }));

  it.each(cases.map((c, i) => [...c, shapes[i].neurons] as const))('k = %i, binary inputs %s, binarized output %s, %i neurons', (k, binaryInputs, binarizeOutput, neurons) => {
    const { tablesPerNeuron, batch } = shapes.find((s) => s.neurons === neurons)!;
    const shape: LutShape = { inputWidth: 11, neurons, tablesPerNeuron, k };
    const options = { binaryInputs, binarizeOutput };
    const { x, weights, mask, dy } = randomCase(`ref-${k}-${binaryInputs}-${binarizeOutput}`, shape, batch, binaryInputs);
    const gamma = 0.6;

    const run = (implementation: 'js' | 'reference') => {
      setLutImplementation(implementation);
      const xT = tf.tensor2d(x, [batch, shape.inputWidth]);
      const wT = tf.tensor2d(weights, [shape.neurons * shape.tablesPerNeuron, 1 << k]);
      const gT = tf.scalar(gamma);
      const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(lut(a as tf.Tensor2D, b, c as tf.Scalar, mask, shape, options), tf.tensor2d(dy, [batch, shape.neurons]))) as tf.Scalar;
      const y = lut(xT, wT, gT, mask, shape, options);
      const [dx, dw, dg] = tf.grads(f)([xT, wT, gT]);
      return { y: y.dataSync(), dx: dx.dataSync(), dw: dw.dataSync(), dg: dg.dataSync() };
    };
    const fast = run('js');
    const reference = run('reference');
    setLutImplementation('auto');

    const close = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      expect(a.length).toBe(b.length);
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-4 * (1 + Math.abs(b[i])));
    };
    close(fast.y, reference.y);
    close(fast.dx, reference.dx);
    close(fast.dw, reference.dw);
    close(fast.dg, reference.dg);
  });
});

describe('binarized entries', () => {
  it('k = 2 table: signs and gradient', () => {
    // The op reads sign(w), with sign(0) = +1, and passes the entry gradient where |w| <= 1.
    const shape: LutShape = { inputWidth: 2, neurons: 1, tablesPerNeuron: 1, k: 2 };
    const weights = new Float32Array([0, -2, 0.5, 1.5]);
    const mask = new Int32Array([0, 1]);
    // Sample b sits at address b: input 0 is address bit 0.
    const corners = new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]);
    for (const binaryInputs of [true, false]) {
      const options: LutOptions = { binaryInputs, binarizeOutput: false, binarizeEntries: true };
      const y = lutForward(corners, 4, weights, 1, mask, shape, options, false).y;
      expect(Array.from(y)).toEqual([1, -1, 1, 1]);
      const grads = lutBackward(new Float32Array([1, 2, 3, 4]), corners, 4, weights, 1, mask, shape, options, undefined, false);
      // dL/dw_p = dy at address p, times 1 where |w_p| <= 1.
      expect(Array.from(grads.dWeights)).toEqual([1, 0, 3, 0]);
    }
  });

  const cases: Array<[number, boolean, boolean]> = [];
  for (const k of [1, 2, 3, 4, 6, 8]) cases.push([k, true, false], [k, false, false], [k, true, true]);
  // The js kernel with binarized entries equals steSign before the reference op.
  it.each(cases)('k = %i, binary inputs %s, binarized output %s', (k, binaryInputs, binarizeOutput) => {
    const batch = 6;
    const shape: LutShape = { inputWidth: 9, neurons: 4, tablesPerNeuron: 3, k };
    const { x, mask, dy } = randomCase(`entries-${k}-${binaryInputs}-${binarizeOutput}`, shape, batch, binaryInputs);
    const rng = new Random(`entries-w-${k}`);
    // Latent entries beyond +-1 stop their gradient; exact zeros and ones test the boundaries.
    const weights = new Float32Array(shape.neurons * shape.tablesPerNeuron * (1 << k)).map((_, i) => {
      if (i % 7 === 0) return 0;
      if (i % 11 === 0) return -1;
      return rng.uniform(-1.5, 1.5);
    });
    const gamma = 0.45;

    const run = (implementation: 'js' | 'reference', inOp: boolean) => {
      setLutImplementation(implementation);
      const xT = tf.tensor2d(x, [batch, shape.inputWidth]);
      const wT = tf.tensor2d(weights, [shape.neurons * shape.tablesPerNeuron, 1 << k]);
      const gT = tf.scalar(gamma);
      const dyT = tf.tensor2d(dy, [batch, shape.neurons]);
      const options: LutOptions = { binaryInputs, binarizeOutput, binarizeEntries: inOp };
      const apply = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => lut(a as tf.Tensor2D, inOp ? b : steSign(b), c as tf.Scalar, mask, shape, options);
      const y = apply(xT, wT, gT);
      const [dx, dw, dg] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(apply(a, b, c), dyT)) as tf.Scalar)([xT, wT, gT]);
      return { y: y.dataSync(), dx: dx.dataSync(), dw: dw.dataSync(), dg: dg.dataSync() };
    };
    const fast = run('js', true);
    const reference = run('reference', true);
    const outside = run('reference', false);
    setLutImplementation('auto');

    // With binary inputs the forward pass is exact (see the exactness contract in op.ts).
    if (binaryInputs) expect(Array.from(fast.y)).toEqual(Array.from(outside.y));
    for (const other of [reference, outside]) {
      for (const key of ['y', 'dx', 'dw', 'dg'] as const) {
        expect(fast[key].length).toBe(other[key].length);
        for (let i = 0; i < fast[key].length; i++) expect(Math.abs(fast[key][i] - other[key][i])).toBeLessThan(1e-4 * (1 + Math.abs(other[key][i])));
      }
    }
    // Some entry gradients are stopped, and some pass.
    const stopped = Array.from(weights).filter((w) => Math.abs(w) > 1).length;
    expect(stopped).toBeGreaterThan(0);
    expect(Array.from(fast.dw).filter((v, i) => Math.abs(weights[i]) > 1 && v !== 0)).toEqual([]);
  });
});

describe('gamma of zero', () => {
  it.each([true, false])('binary inputs %s: reference gamma gradient', (binaryInputs) => {
    const shape: LutShape = { inputWidth: 6, neurons: 3, tablesPerNeuron: 2, k: 3 };
    const { x, weights, mask, dy } = randomCase(`gamma-zero-${binaryInputs}`, shape, 4, binaryInputs);
    const options: LutOptions = { binaryInputs, binarizeOutput: false };
    const gammaGradient = (implementation: 'js' | 'reference') => {
      setLutImplementation(implementation);
      const dyT = tf.tensor2d(dy, [4, shape.neurons]);
      const loss = (g: tf.Tensor) => tf.sum(tf.mul(lut(tf.tensor2d(x, [4, 6]), tf.tensor2d(weights, [6, 8]), g as tf.Scalar, mask, shape, options), dyT)) as tf.Scalar;
      return tf.grad(loss)(tf.scalar(0)).dataSync()[0];
    };
    const fast = gammaGradient('js');
    const reference = gammaGradient('reference');
    setLutImplementation('auto');
    expect(fast).not.toBe(0);
    expect(Math.abs(fast - reference)).toBeLessThan(1e-5 * (1 + Math.abs(reference)));
  });
});

describe('LUT implementation choice', () => {
  it('auto picks the js kernel on the cpu backend', () => {
    setLutImplementation('auto');
    expect(getLutImplementation()).toBe('js');
  });

  it('webgpu implementation rejects the cpu backend', () => {
    setLutImplementation('webgpu');
    const shape: LutShape = { inputWidth: 2, neurons: 1, tablesPerNeuron: 1, k: 1 };
    const call = () => lut(tf.zeros([1, 2]) as tf.Tensor2D, tf.zeros([1, 2]), tf.scalar(1), new Int32Array([0]), shape, REAL);
    expect(call).toThrow(/needs the webgpu backend/);
    setLutImplementation('auto');
  });
});

describe('js kernel in training steps', () => {
  function trainSteps(steps: number): { tensorCounts: number[]; weights: Float32Array } {
    const spec: LutLinearSpec = {
      type: 'LutLinear',
      out: 6,
      k: 3,
      mask: { kind: 'expanded', replacement: false },
      binarization: 2,
      inputExpanded: true,
      trainer: 'lagrange',
      init: 'uniform',
    };
    const layer = new LutLinear('steps', 9, spec, new Random('steps'));
    const rng = new Random('steps-data');
    const x = tf.tensor2d(new Float32Array(5 * 9).map(() => rng.uniform(-1, 1)), [5, 9]);
    const optimizer: tf.Optimizer = tf.train.adam(0.01);
    const tensorCounts: number[] = [];
    for (let step = 0; step < steps; step++) {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x, { training: true, binary: false }))) as tf.Scalar);
        optimizer.applyGradients(grads);
      });
      tensorCounts.push(tf.memory().numTensors);
    }
    const weights = layer.weights.dataSync().slice() as Float32Array;
    x.dispose();
    optimizer.dispose();
    layer.dispose();
    return { tensorCounts, weights };
  }

  it('keeps the tensor count flat', () => {
    const { tensorCounts } = trainSteps(4);
    expect(tensorCounts[3]).toBe(tensorCounts[1]);
  });

  it('gives the same weights for the same seed', () => {
    expect(Array.from(trainSteps(3).weights)).toEqual(Array.from(trainSteps(3).weights));
  });
});
