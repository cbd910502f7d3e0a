import * as tf from '@tensorflow/tfjs';
import { steSign } from '../lut/binarize';
import type { Random } from '../random';
import type { ForwardContext, Layer, LayerState, Parameter } from './layer';
import { LATENT_INIT_LIMIT, newVariable, storedFloat } from './layer';
import { assignStored, readVariable } from './state';

function uniformWeights(count: number, limit: number, rng: Random): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = rng.uniform(-limit, limit);
  return values;
}

/**
 * Binary (XNOR) linear layer without bias: y = sign(x) @ sign(W), with latent real weights W
 * of shape [in, out] trained through the straight-through estimator. With ±1 inputs and
 * weights every output is an exact integer, 2 * (number of agreeing pairs) - in, which is
 * what the hardware's XNOR popcount computes.
 */
export class BinaryLinear implements Layer {
  readonly type = 'BinaryLinear';
  readonly weights: tf.Variable;

  constructor(
    readonly name: string,
    readonly inputWidth: number,
    readonly outputWidth: number,
    rng: Random,
  ) {
    this.weights = newVariable(() => tf.tensor2d(uniformWeights(inputWidth * outputWidth, LATENT_INIT_LIMIT, rng), [inputWidth, outputWidth]), true);
  }

  apply(x: tf.Tensor2D, _context: ForwardContext): tf.Tensor2D {
    return tf.matMul(steSign(x) as tf.Tensor2D, steSign(this.weights) as tf.Tensor2D);
  }

  /** Reads the sign of each weight as 0/1 bits, laid out [out][in] (bit 1 stands for +1). */
  async weightBits(): Promise<Uint8Array> {
    const w = await readVariable(this.weights);
    const bits = new Uint8Array(w.length);
    for (let i = 0; i < this.inputWidth; i++) {
      for (let j = 0; j < this.outputWidth; j++) bits[j * this.inputWidth + i] = w[i * this.outputWidth + j] >= 0 ? 1 : 0;
    }
    return bits;
  }

  parameters(): Parameter[] {
    return [{ name: `${this.name}.weights`, variable: this.weights, binary: true }];
  }

  async saveState(): Promise<LayerState> {
    return { arrays: { weights: storedFloat(await readVariable(this.weights), [this.inputWidth, this.outputWidth]) } };
  }

  loadState(state: LayerState): void {
    assignStored(this.weights, state, 'weights', this.name);
  }

  dispose(): void {
    this.weights.dispose();
  }
}

/**
 * Real-valued dense layer, y = x @ W + b, as nn.Linear. Trainable but not exportable to
 * hardware: it is there for float baselines and for layers that stay in software.
 */
export class Dense implements Layer {
  readonly type = 'Dense';
  readonly weights: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(
    readonly name: string,
    readonly inputWidth: number,
    readonly outputWidth: number,
    withBias: boolean,
    rng: Random,
  ) {
    // Glorot-uniform limit, as Keras and tfjs-layers use for dense kernels.
    const limit = Math.sqrt(6 / (inputWidth + outputWidth));
    this.weights = newVariable(() => tf.tensor2d(uniformWeights(inputWidth * outputWidth, limit, rng), [inputWidth, outputWidth]), true);
    this.bias = withBias ? newVariable(() => tf.zeros([outputWidth]), true) : null;
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    const product: tf.Tensor2D = tf.matMul(x, this.weights as tf.Tensor as tf.Tensor2D);
    return this.bias ? (tf.add(product, this.bias) as tf.Tensor2D) : product;
  }

  parameters(): Parameter[] {
    const parameters: Parameter[] = [{ name: `${this.name}.weights`, variable: this.weights, binary: false }];
    if (this.bias) parameters.push({ name: `${this.name}.bias`, variable: this.bias, binary: false });
    return parameters;
  }

  async saveState(): Promise<LayerState> {
    const [weights, bias] = await Promise.all([readVariable(this.weights), this.bias && readVariable(this.bias)]);
    const arrays: LayerState['arrays'] = { weights: storedFloat(weights, [this.inputWidth, this.outputWidth]) };
    if (bias) arrays.bias = storedFloat(bias, [this.outputWidth]);
    return { arrays };
  }

  loadState(state: LayerState): void {
    assignStored(this.weights, state, 'weights', this.name);
    if (this.bias) assignStored(this.bias, state, 'bias', this.name);
  }

  dispose(): void {
    this.weights.dispose();
    this.bias?.dispose();
  }
}

