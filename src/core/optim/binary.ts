import * as tf from '@tensorflow/tfjs';
import type { Parameter } from '../layers/layer';

/**
 * BinaryConnect's optimizer wrapper: the wrapped optimizer (Adam, SGD, ...) updates real latent
 * weights; after each step the binary ones are clipped to [-1, 1] so that their sign can flip
 * back quickly, and the forward pass uses only that sign. Other parameters (BatchNorm, gamma)
 * are updated normally.
 */
export class BinaryOptimizer {
  private readonly binaryVariables: tf.Variable[];

  constructor(
    readonly inner: tf.Optimizer,
    parameters: Parameter[],
  ) {
    this.binaryVariables = parameters.filter((p) => p.binary).map((p) => p.variable);
  }

  applyGradients(gradients: tf.NamedTensorMap): void {
    this.inner.applyGradients(gradients);
    tf.tidy(() => {
      for (const variable of this.binaryVariables) variable.assign(tf.clipByValue(variable, -1, 1));
    });
  }

  dispose(): void {
    this.inner.dispose();
  }
}

export interface OptimizerSettings {
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  momentum: number;
}

/**
 * Creates the tfjs optimizer a spec names. Adam's epsilon is passed explicitly (1e-7, the
 * Keras default) because tfjs picks 1e-4 on backends with 16-bit float precision.
 */
export function createOptimizer(settings: OptimizerSettings, parameters: Parameter[]): BinaryOptimizer {
  const inner =
    settings.optimizer === 'adam'
      ? tf.train.adam(settings.learningRate, 0.9, 0.999, 1e-7)
      : settings.momentum > 0
        ? tf.train.momentum(settings.learningRate, settings.momentum)
        : tf.train.sgd(settings.learningRate);
  return new BinaryOptimizer(inner, parameters);
}
