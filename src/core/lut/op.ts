import * as tf from '@tensorflow/tfjs';
import { type CustomGradientFunction } from './binarize';
import { lutWebGpu, webGpuActive } from './kernel-webgpu';
import { lutBackward, lutForward } from './pool';
import { lutReference } from './reference';
import { checkMask, type LutOptions, type LutShape } from './shape';

/**
 * The one entry point of the LUT op: every LUT layer calls `lut`, and kernels are leaves
 * behind it. x is [batch, inputWidth]. Weights contain [neurons * tablesPerNeuron, 2^k] table
 * entries, already binarized by the caller where the binarization level requires it. Gamma is
 * the layer's scalar scale. Returns [batch, neurons]: each neuron's sum of its tables' outputs.
 * See kernel-js.ts for the formula and the gradients.
 *
 * Implementations: 'js' runs typed-array kernels on data read back from the backend (the
 * fast path on cpu and wasm, on helper threads too once `enableLutThreads` has started
 * them, and with binary inputs in WebAssembly as well: see kernel.wat), 'webgpu' runs fused WGSL programs on the webgpu backend, and 'reference' is the
 * composition of tfjs ops that the others are tested against. 'auto' picks
 * 'webgpu' when that backend is active and 'js' elsewhere.
 *
 * Exactness contract, kept by every implementation: with binary inputs and entries of exactly
 * -1 or +1 (or any entries with `binarizeEntries`), the output of neuron j is exactly Math.fround(|gamma| * S), where S is the integer
 * sum of the entries its tables address. S is summed exactly first and multiplied by |gamma|
 * once. With `binarizeOutput` the output is exactly S, the sum of the tables' signs. The
 * hardware export derives its integer thresholds from this and is tested bit-exact against it.
 */
export type LutImplementation = 'auto' | 'js' | 'webgpu' | 'reference';

let forcedImplementation: LutImplementation = 'auto';

/** Selects the implementation for all later calls; 'auto' picks the fastest for the backend. */
export function setLutImplementation(implementation: LutImplementation): void {
  forcedImplementation = implementation;
}

/** Returns the implementation that `lut` uses now on the active backend. */
export function getLutImplementation(): Exclude<LutImplementation, 'auto'> {
  if (forcedImplementation !== 'auto') return forcedImplementation;
  return webGpuActive() ? 'webgpu' : 'js';
}

export function lut(
  x: tf.Tensor2D,
  weights: tf.Tensor,
  gamma: tf.Scalar,
  mask: Int32Array,
  shape: LutShape,
  options: LutOptions,
): tf.Tensor2D {
  if (x.shape[1] !== shape.inputWidth) {
    throw new Error(`LUT op input has width ${x.shape[1]}, but the layer reads ${shape.inputWidth} inputs`);
  }
  const implementation = getLutImplementation();
  if (implementation === 'reference') return lutReference(x, weights, gamma, mask, shape, options);
  if (implementation === 'webgpu') {
    if (!webGpuActive()) throw new Error(`the webgpu LUT implementation needs the webgpu backend, but the active backend is ${tf.getBackend()}`);
    return lutWebGpu(x, weights, gamma, mask, shape, options);
  }
  return lutTypedArrays(x, weights, gamma, mask, shape, options);
}

/** Checks a mask once, where a layer is built, rather than on every call of the op. */
export { checkMask };

function lutTypedArrays(
  x: tf.Tensor2D,
  weights: tf.Tensor,
  gamma: tf.Scalar,
  mask: Int32Array,
  shape: LutShape,
  options: LutOptions,
): tf.Tensor2D {
  const batch = x.shape[0];
  const op = tf.customGrad(((xIn: tf.Tensor, wIn: tf.Tensor, gIn: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xIn, wIn, gIn]);
    const xData = xIn.dataSync() as Float32Array;
    const forward = lutForward(xData, batch, wIn.dataSync() as Float32Array, gIn.dataSync()[0], mask, shape, options);
    const value = tf.tensor2d(forward.y, [batch, shape.neurons]);

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws, gs] = saved;
      const grads = lutBackward(
        dy.dataSync() as Float32Array,
        xs.dataSync() as Float32Array,
        batch,
        ws.dataSync() as Float32Array,
        gs.dataSync()[0],
        mask,
        shape,
        options,
        forward.addresses,
      );
      return [tf.tensor(grads.dx, xs.shape), tf.tensor(grads.dWeights, ws.shape), tf.scalar(grads.dGamma)];
    };
    return { value, gradFunc };
  }) as unknown as CustomGradientFunction);
  return op(x, weights, gamma) as tf.Tensor2D;
}
