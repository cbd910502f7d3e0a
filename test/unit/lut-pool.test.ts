import { afterAll, describe, expect, it } from 'vitest';
import { startLutThreads } from '../../src/cli/threads';
import { Worker } from 'node:worker_threads';
import { disableLutThreads, enableLutThreads, lutBackward, lutForward, lutThreadStats } from '../../src/core/lut/pool';
import type { LutOptions, LutShape } from '../../src/core/lut/shape';
import { Random } from '../../src/core/random';

afterAll(() => disableLutThreads());

// batch * neurons * tablesPerNeuron * k = 40 * 24 * 72 * k is over the kernels' single-chunk
// limit of 2^16 for every k, so each call is split into 8 chunks.
const BATCH = 40;

function randomCall(seed: string, k: number, binaryInputs: boolean) {
  const shape: LutShape = { inputWidth: 37, neurons: 24, tablesPerNeuron: 72, k };
  const rng = new Random(seed);
  const tables = shape.neurons * shape.tablesPerNeuron;
  return {
    shape,
    x: new Float32Array(BATCH * shape.inputWidth).map(() => (binaryInputs ? rng.sign() : rng.uniform(-1, 1))),
    weights: new Float32Array(tables << k).map(() => rng.uniform(-1.5, 1.5)),
    mask: new Int32Array(tables * k).map(() => rng.int(shape.inputWidth)),
    dy: new Float32Array(BATCH * shape.neurons).map(() => rng.uniform(-1, 1)),
  };
}

async function waitForHelpers(expected: number): Promise<void> {
  // Helpers start asynchronously; calls made before they are up run on this thread alone.
  const { shape, x, weights, mask } = randomCall('warm-up', 4, true);
  const options: LutOptions = { binaryInputs: true, binarizeOutput: false };
  for (let attempt = 0; attempt < 200 && lutThreadStats().helperChunks === 0; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    for (let r = 0; r < 5; r++) lutForward(x, BATCH, weights, 1, mask, shape, options);
  }
  expect(lutThreadStats().helpers).toBe(expected);
  expect(lutThreadStats().helperChunks).toBeGreaterThan(0);
}

describe('LUT kernels on helper threads', () => {
  const cases: Array<[number, boolean, boolean]> = [];
  for (const k of [1, 3, 4, 7]) cases.push([k, false, false], [k, true, false], [k, true, true], [k, false, true]);

  it('helpers take part in large calls', async () => {
    expect(startLutThreads(2)).toBe(2);
    await waitForHelpers(2);
  });

  it.each(cases)('k = %i, binary %s, binarized output %s: identical to one thread', (k, binaryInputs, binarizeOutput) => {
    const options = { binaryInputs, binarizeOutput };
    const { shape, x, weights, mask, dy } = randomCall(`pool-${k}-${binaryInputs}-${binarizeOutput}`, k, binaryInputs);
    const gamma = -0.45;
    const before = lutThreadStats().helperChunks;

    const forward = lutForward(x, BATCH, weights, gamma, mask, shape, options);
    const backward = lutBackward(dy, x, BATCH, weights, gamma, mask, shape, options, forward.addresses);
    const alone = lutBackward(dy, x, BATCH, weights, gamma, mask, shape, options, undefined, false);

    expect(forward.y).toEqual(lutForward(x, BATCH, weights, gamma, mask, shape, options, false).y);
    expect(backward.dx).toEqual(alone.dx);
    expect(backward.dWeights).toEqual(alone.dWeights);
    expect(backward.dGamma).toBe(alone.dGamma);
    // Nonzero gradients, so that the comparison above can fail.
    expect(backward.dx.some((v) => v !== 0)).toBe(true);
    expect(lutThreadStats().helperChunks).toBeGreaterThanOrEqual(before);
  });

  it('larger call: helpers move to a new workspace', async () => {
    const { x, weights, mask, dy } = randomCall('grow', 8, true);
    const shape: LutShape = { inputWidth: 37, neurons: 24, tablesPerNeuron: 72, k: 8 };
    const options: LutOptions = { binaryInputs: true, binarizeOutput: false };
    const batch = 4 * BATCH;
    const bigX = new Float32Array(batch * shape.inputWidth).map((_, i) => x[i % x.length]);
    const bigDy = new Float32Array(batch * shape.neurons).map((_, i) => dy[i % dy.length]);
    const forward = lutForward(bigX, batch, weights, 0.3, mask, shape, options);
    const backward = lutBackward(bigDy, bigX, batch, weights, 0.3, mask, shape, options, forward.addresses);
    expect(backward.dWeights).toEqual(lutBackward(bigDy, bigX, batch, weights, 0.3, mask, shape, options, undefined, false).dWeights);

    const before = lutThreadStats().helperChunks;
    await waitForHelpers(2);
    for (let attempt = 0; attempt < 100 && lutThreadStats().helperChunks === before; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      lutForward(bigX, batch, weights, 0.3, mask, shape, options);
    }
    expect(lutThreadStats().helperChunks).toBeGreaterThan(before);
  });

  it('stopped helpers: same result on one thread', () => {
    const { shape, x, weights, mask } = randomCall('stopped', 4, false);
    const options: LutOptions = { binaryInputs: false, binarizeOutput: false };
    const threaded = lutForward(x, BATCH, weights, 0.8, mask, shape, options).y;
    disableLutThreads();
    expect(lutThreadStats()).toEqual({ helpers: 0, helperChunks: 0 });
    expect(lutForward(x, BATCH, weights, 0.8, mask, shape, options).y).toEqual(threaded);
  });
});

describe('LUT op arguments', () => {
  const shape: LutShape = { inputWidth: 5, neurons: 2, tablesPerNeuron: 3, k: 2 };
  const options: LutOptions = { binaryInputs: true, binarizeOutput: false };
  const weights = new Float32Array(2 * 3 * 4).fill(0.5);
  const mask = new Int32Array(2 * 3 * 2).fill(1);

  it('rejects a mask index outside the inputs', () => {
    const bad = mask.slice();
    bad[7] = 5;
    expect(() => lutForward(new Float32Array(5), 1, weights, 1, bad, shape, options)).toThrow(/mask index 5 at position 7 is outside the input width 5/);
  });

  it('rejects x of the wrong size', () => {
    expect(() => lutForward(new Float32Array(9), 2, weights, 1, mask, shape, options)).toThrow(/x has 9 values, expected batch 2 x input width 5/);
  });

  it('rejects k outside 1..8', () => {
    expect(() => lutForward(new Float32Array(5), 1, new Float32Array(6), 1, new Int32Array(0), { ...shape, k: 0 }, options)).toThrow(/k must be an integer from 1 to 8, got 0/);
  });

  it('rejects a table count of zero', () => {
    expect(() => lutForward(new Float32Array(5), 1, new Float32Array(0), 1, new Int32Array(0), { ...shape, tablesPerNeuron: 0 }, options)).toThrow(/tablesPerNeuron must be an integer of at least 1, got 0/);
  });

  it('rejects dy of the wrong size', () => {
    expect(() => lutBackward(new Float32Array(3), new Float32Array(5), 1, weights, 1, mask, shape, options)).toThrow(/dy has 3 values, expected batch 1 x 2 neurons/);
  });

  it('empty batch gives empty results', () => {
    expect(lutForward(new Float32Array(0), 0, weights, 1, mask, shape, options).y).toHaveLength(0);
    const grads = lutBackward(new Float32Array(0), new Float32Array(0), 0, weights, 1, mask, shape, options);
    expect(grads.dx).toHaveLength(0);
    expect(Array.from(grads.dWeights)).toEqual(new Array(24).fill(0));
    expect(grads.dGamma).toBe(0);
  });
});

describe('a chunk that fails on a helper thread', () => {
  afterAll(() => disableLutThreads());

  it('raises on the calling thread', async () => {
    // A failed chunk must end the call with an error, not leave the caller waiting.
    // Helpers whose forward chunks throw; the calling thread's own chunks still work.
    const spawn = (body: string) => {
      const broken = body.replace('kernelSet.forwardChunk(space, next)', "(() => { throw new Error('injected'); })()");
      expect(broken).not.toBe(body);
      return new Worker(`const { parentPort } = require('node:worker_threads');\nconst listen = (handler) => parentPort.on('message', handler);\n${broken}`, { eval: true });
    };
    expect(enableLutThreads(spawn, 2, true)).toBe(2);
    const { shape, x, weights, mask } = randomCall('failing-helper', 4, true);
    const options: LutOptions = { binaryInputs: true, binarizeOutput: false };
    let message = '';
    for (let attempt = 0; attempt < 200 && message === ''; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      try {
        lutForward(x, BATCH, weights, 1, mask, shape, options);
      } catch (error) {
        message = (error as Error).message;
      }
    }
    expect(message).toMatch(/LUT forward pass failed \(batch 40, .*k 4\): LUT kernel: chunk \d failed on a helper thread but succeeded when rerun/);
    // The pool stays usable: later calls on this thread alone give the result.
    disableLutThreads();
    expect(lutForward(x, BATCH, weights, 1, mask, shape, options).y.length).toBe(BATCH * shape.neurons);
  });
});
