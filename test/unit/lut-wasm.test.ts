import { afterAll, describe, expect, it } from 'vitest';
import { assembleLutKernels, assembleSimulator } from '../../src/cli/build-wasm';
import { SIMULATOR_KERNEL } from '../../src/core/hardware/simulate-wasm-binary';
import { startLutThreads } from '../../src/cli/threads';
import { PRIVATE_KERNELS, SHARED_KERNELS } from '../../src/core/lut/kernel-wasm-binary';
import { disableLutThreads, lutBackward, lutForward, lutThreadStats, lutUsesWasm, useLutWasm } from '../../src/core/lut/pool';
import type { LutOptions, LutShape } from '../../src/core/lut/shape';
import { Random } from '../../src/core/random';

afterAll(() => {
  useLutWasm(true);
  disableLutThreads();
});

describe('assembled WebAssembly kernels', () => {
  it('match kernel.wat', async () => {
    const assembled = await assembleLutKernels();
    const stale = 'kernel-wasm-binary.ts differs from kernel.wat: run npm run build:wasm';
    expect(Buffer.from(assembled.shared).toString('base64') === SHARED_KERNELS, stale).toBe(true);
    expect(Buffer.from(assembled.private).toString('base64') === PRIVATE_KERNELS, stale).toBe(true);
  });

  it('match simulate.wat', async () => {
    const assembled = await assembleSimulator();
    expect(Buffer.from(assembled).toString('base64') === SIMULATOR_KERNEL, 'simulate-wasm-binary.ts differs from simulate.wat: run npm run build:wasm').toBe(true);
  });

  it('run on this thread', () => {
    expect(lutUsesWasm(false)).toBe(true);
  });
});

/** Runs forward and backward once and returns every output, the addresses included. */
function runBoth(seed: string, k: number, batch: number, shape: Omit<LutShape, 'k'>, options: LutOptions) {
  const rng = new Random(seed);
  const full: LutShape = { ...shape, k };
  const tables = shape.neurons * shape.tablesPerNeuron;
  const x = new Float32Array(batch * shape.inputWidth).map(() => rng.sign());
  // Entries beyond +-1, of exactly +-1 and of exactly 0 exercise both straight-through tests
  // at their boundary and sign(0).
  const weights = new Float32Array(tables << k).map((_, i) => {
    if (i % 13 === 0) return 0;
    if (i % 11 === 0) return i % 2 ? 1 : -1;
    return rng.uniform(-2, 2);
  });
  const mask = new Int32Array(tables * k).map(() => rng.int(shape.inputWidth));
  const dy = new Float32Array(batch * shape.neurons).map(() => rng.uniform(-1, 1));
  const forward = lutForward(x, batch, weights, -0.6, mask, full, options);
  const backward = lutBackward(dy, x, batch, weights, -0.6, mask, full, options, forward.addresses);
  return { y: forward.y, addresses: forward.addresses!, dx: backward.dx, dWeights: backward.dWeights, dGamma: backward.dGamma };
}

describe('WebAssembly against JavaScript chunks', () => {
  // The small shape runs as one chunk; the large one splits into 8 (see kernel-js.ts).
  const shapes = { small: { inputWidth: 11, neurons: 5, tablesPerNeuron: 3, batch: 7 }, large: { inputWidth: 37, neurons: 24, tablesPerNeuron: 40, batch: 30 } };
  const cases: Array<[number, boolean, boolean, 'small' | 'large']> = [];
  for (let k = 1; k <= 8; k++) {
    for (const [binarizeOutput, binarizeEntries] of [[false, false], [true, false], [false, true], [true, true]]) cases.push([k, binarizeOutput, binarizeEntries, k % 2 ? 'small' : 'large']);
  }

  it.each(cases)('k = %i, binarized output %s, binarized entries %s, %s shape: same bits', (k, binarizeOutput, binarizeEntries, size) => {
    const { batch, ...shape } = shapes[size];
    const options: LutOptions = { binaryInputs: true, binarizeOutput, binarizeEntries };
    const seed = `wasm-${k}-${binarizeOutput}-${binarizeEntries}`;
    useLutWasm(true);
    expect(lutUsesWasm()).toBe(true);
    const wasm = runBoth(seed, k, batch, shape, options);
    useLutWasm(false);
    expect(lutUsesWasm()).toBe(false);
    const plain = runBoth(seed, k, batch, shape, options);
    useLutWasm(true);

    expect(wasm.y).toEqual(plain.y);
    expect(wasm.addresses).toEqual(plain.addresses);
    expect(wasm.dx).toEqual(plain.dx);
    expect(wasm.dWeights).toEqual(plain.dWeights);
    expect(wasm.dGamma).toBe(plain.dGamma);
    // Nonzero gradients, so that the comparisons above can fail.
    expect(wasm.dx.some((v) => v !== 0)).toBe(true);
    expect(wasm.dWeights.some((v) => v !== 0)).toBe(true);
  });

  it('helper threads, shared memory', async () => {
    expect(startLutThreads(2)).toBe(2);
    const { batch, ...shape } = shapes.large;
    const options: LutOptions = { binaryInputs: true, binarizeOutput: false, binarizeEntries: true };
    const alone = runBoth('wasm-helpers', 6, batch, shape, { ...options });
    useLutWasm(false);
    const plain = runBoth('wasm-helpers', 6, batch, shape, options);
    useLutWasm(true);
    // Helpers start asynchronously; repeat until they have taken part.
    let threaded = alone;
    for (let attempt = 0; attempt < 200 && lutThreadStats().helperChunks === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      threaded = runBoth('wasm-helpers', 6, batch, shape, options);
    }
    expect(lutThreadStats().helperChunks).toBeGreaterThan(0);
    expect(lutUsesWasm()).toBe(true);
    expect(threaded.y).toEqual(plain.y);
    expect(threaded.dx).toEqual(plain.dx);
    expect(threaded.dWeights).toEqual(plain.dWeights);
    expect(threaded.dGamma).toBe(plain.dGamma);
  });
});
