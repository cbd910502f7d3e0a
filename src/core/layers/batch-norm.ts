import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../errors';
import type { ForwardContext, Layer, LayerState, Parameter } from './layer';
import { newVariable, storedFloat } from './layer';
import { assignStored, readStoredFloat, readVariable } from './state';

/**
 * Batch normalization over the feature axis, as nn.BatchNorm1d:
 * y = scale * (x - mean) / sqrt(variance + epsilon) + offset. Training uses the batch's
 * statistics (biased variance) and updates moving averages with `momentum`:
 * moving = momentum * moving + (1 - momentum) * batch. Inference uses the moving averages.
 */
export class BatchNorm implements Layer {
  readonly type = 'BatchNorm';
  readonly outputWidth: number;
  readonly scale: tf.Variable;
  readonly offset: tf.Variable;
  readonly movingMean: tf.Variable;
  readonly movingVariance: tf.Variable;

  constructor(
    readonly name: string,
    readonly inputWidth: number,
    readonly momentum: number,
    readonly epsilon: number,
  ) {
    this.outputWidth = inputWidth;
    this.scale = newVariable(() => tf.ones([inputWidth]), true);
    this.offset = newVariable(() => tf.zeros([inputWidth]), true);
    this.movingMean = newVariable(() => tf.zeros([inputWidth]), false);
    this.movingVariance = newVariable(() => tf.ones([inputWidth]), false);
  }

  apply(x: tf.Tensor2D, context: ForwardContext): tf.Tensor2D {
    if (!context.training) {
      return tf.batchNorm(x, this.movingMean, this.movingVariance, this.offset, this.scale, this.epsilon) as tf.Tensor2D;
    }

    const { mean, variance } = tf.moments(x, 0);
    tf.tidy(() => {
      const keep = this.momentum;
      this.movingMean.assign(tf.add(tf.mul(this.movingMean, keep), tf.mul(mean, 1 - keep)));
      this.movingVariance.assign(tf.add(tf.mul(this.movingVariance, keep), tf.mul(variance, 1 - keep)));
    });
    return tf.batchNorm(x, mean, variance, this.offset, this.scale, this.epsilon) as tf.Tensor2D;
  }

  parameters(): Parameter[] {
    return [
      { name: `${this.name}.scale`, variable: this.scale, binary: false },
      { name: `${this.name}.offset`, variable: this.offset, binary: false },
    ];
  }

  async saveState(): Promise<LayerState> {
    const shape = [this.inputWidth];
    const [scale, offset, movingMean, movingVariance] = await Promise.all([this.scale, this.offset, this.movingMean, this.movingVariance].map(readVariable));
    return {
      arrays: {
        scale: storedFloat(scale, shape),
        offset: storedFloat(offset, shape),
        movingMean: storedFloat(movingMean, shape),
        movingVariance: storedFloat(movingVariance, shape),
      },
    };
  }

  loadState(state: LayerState): void {
    assignStored(this.scale, state, 'scale', this.name);
    assignStored(this.offset, state, 'offset', this.name);
    assignStored(this.movingMean, state, 'movingMean', this.name);
    assignStored(this.movingVariance, state, 'movingVariance', this.name);
    const variance = readStoredFloat(state, 'movingVariance', [this.inputWidth], this.name);
    const negative = variance.findIndex((v) => v < 0);
    if (negative >= 0) {
      throw new CheckpointError(`${this.name}: saved movingVariance[${negative}] is ${variance[negative]}; a variance cannot be negative`);
    }
  }

  dispose(): void {
    for (const v of [this.scale, this.offset, this.movingMean, this.movingVariance]) v.dispose();
  }
}
