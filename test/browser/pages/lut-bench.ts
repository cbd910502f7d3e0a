/**
 * Page script of the webgpu rows of `npm run bench`: times one LutLinear(256->256, expanded)
 * forward + backward pass on the webgpu backend. In headless Chromium the adapter is
 * SwiftShader on the CPU, so the figures check that the kernels run at full size, not speed.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { LutLinear } from '../../../src/core/layers/lut-linear';
import { getLutImplementation } from '../../../src/core/lut/op';
import { Random } from '../../../src/core/random';

export interface WebGpuBenchRequest {
  k: number;
  binary: boolean;
  batch: number;
  reps: number;
}

export interface WebGpuBenchResult {
  backend: string;
  implementation: string;
  /** Median milliseconds of one forward + backward pass. */
  ms: number;
}

async function benchLut(request: WebGpuBenchRequest): Promise<WebGpuBenchResult> {
  if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend failed to start: no WebGPU adapter');
  const width = 256;
  const layer = new LutLinear('bench', width, {
    type: 'LutLinear',
    out: width,
    k: request.k,
    mask: { kind: 'expanded', replacement: false },
    binarization: request.binary ? 2 : 0,
    inputExpanded: true,
    trainer: 'lagrange',
    init: 'uniform',
  }, new Random(`bench-${request.k}`));
  const rng = new Random('bench-data');
  const x = tf.variable(tf.tensor2d(new Float32Array(request.batch * width).map(() => (request.binary ? rng.sign() : rng.uniform(-1, 1))), [request.batch, width]));
  const dy = tf.tensor2d(new Float32Array(request.batch * width).map(() => rng.uniform(-1, 1)), [request.batch, width]);

  const pass = async () => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true, binary: false }), dy)) as tf.Scalar);
    // Reading every gradient waits for the GPU work; data() because dataSync() returned zeros here.
    for (const grad of Object.values(grads)) await grad.data();
    tf.dispose([value, ...Object.values(grads)]);
  };

  await pass();
  const times: number[] = [];
  for (let r = 0; r < request.reps; r++) {
    const start = performance.now();
    await pass();
    times.push(performance.now() - start);
  }
  const implementation = getLutImplementation();
  tf.dispose([x, dy]);
  layer.dispose();
  times.sort((a, b) => a - b);
  return { backend: tf.getBackend(), implementation, ms: times[times.length >> 1] };
}

declare global {
  interface Window {
    benchLutWebGpu?: typeof benchLut;
  }
}

window.benchLutWebGpu = benchLut;
