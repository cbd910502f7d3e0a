/// <reference lib="webworker" />
/**
 * Worker of the browser helper-thread test: starts helper threads the way the training
 * worker does, runs forward and backward passes with and without them, and reports whether
 * the results are identical and whether the helpers ran chunks.
 */
import { lutBackward, lutForward, lutThreadStats, lutUsesWasm, useLutWasm } from '../../../src/core/lut/pool';
import type { LutOptions, LutShape } from '../../../src/core/lut/shape';
import { Random } from '../../../src/core/random';
import { startBrowserLutThreads } from '../../../src/worker/threads';

export interface ThreadCheckResult {
  crossOriginIsolated: boolean;
  helpers: number;
  helperChunks: number;
  /** Whether the helpers ran the binary-input chunks in WebAssembly on a shared memory. */
  webAssembly: boolean;
  /** Cases whose output or gradients differ in any bit between helpers and this thread alone. */
  mismatches: string[];
  cases: number;
}

const scope = self as unknown as DedicatedWorkerGlobalScope;

async function check(): Promise<ThreadCheckResult> {
  const helpers = startBrowserLutThreads(2);
  // Large enough that the kernels split each call into chunks.
  const shape: LutShape = { inputWidth: 41, neurons: 24, tablesPerNeuron: 64, k: 4 };
  const batch = 48;
  const mismatches: string[] = [];
  let cases = 0;
  for (const [binaryInputs, binarizeOutput, binarizeEntries] of [[true, false, false], [false, false, false], [true, true, false], [true, false, true]]) {
    const options: LutOptions = { binaryInputs, binarizeOutput, binarizeEntries };
    const rng = new Random(`browser-threads-${binaryInputs}-${binarizeOutput}-${binarizeEntries}`);
    const tables = shape.neurons * shape.tablesPerNeuron;
    const x = new Float32Array(batch * shape.inputWidth).map(() => (binaryInputs ? rng.sign() : rng.uniform(-1, 1)));
    const weights = new Float32Array(tables << shape.k).map(() => rng.uniform(-1.5, 1.5));
    const mask = new Int32Array(tables * shape.k).map(() => rng.int(shape.inputWidth));
    const dy = new Float32Array(batch * shape.neurons).map(() => rng.uniform(-1, 1));

    // Helpers start asynchronously, so repeat until they have taken part in a call.
    for (let attempt = 0; attempt < 100; attempt++) {
      const before = lutThreadStats().helperChunks;
      const forward = lutForward(x, batch, weights, 0.7, mask, shape, options);
      const backward = lutBackward(dy, x, batch, weights, 0.7, mask, shape, options, forward.addresses);
      if (lutThreadStats().helperChunks === before) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const alone = lutBackward(dy, x, batch, weights, 0.7, mask, shape, options, undefined, false);
      const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => Object.is(v, b[i]));
      cases++;
      if (!same(forward.y, lutForward(x, batch, weights, 0.7, mask, shape, options, false).y)) mismatches.push(`${JSON.stringify(options)}: y`);
      if (!same(backward.dx, alone.dx)) mismatches.push(`${JSON.stringify(options)}: dx`);
      if (!same(backward.dWeights, alone.dWeights)) mismatches.push(`${JSON.stringify(options)}: dWeights`);
      if (backward.dGamma !== alone.dGamma) mismatches.push(`${JSON.stringify(options)}: dGamma`);
      // The JavaScript chunks give the same bits as the WebAssembly ones.
      useLutWasm(false);
      const plain = lutBackward(dy, x, batch, weights, 0.7, mask, shape, options, undefined, false);
      useLutWasm(true);
      if (!same(backward.dx, plain.dx)) mismatches.push(`${JSON.stringify(options)}: dx without WebAssembly`);
      if (!same(backward.dWeights, plain.dWeights)) mismatches.push(`${JSON.stringify(options)}: dWeights without WebAssembly`);
      break;
    }
  }
  return { crossOriginIsolated: scope.crossOriginIsolated, helpers, helperChunks: lutThreadStats().helperChunks, webAssembly: lutUsesWasm(), mismatches, cases };
}

void check().then((result) => scope.postMessage(result));
