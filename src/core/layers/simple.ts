import * as tf from '@tensorflow/tfjs';
import { steSign } from '../lut/binarize';
import type { ForwardContext, Layer, LayerState, Parameter } from './layer';

/** Sign activation with sign(0) = +1 and the straight-through gradient of hardtanh. */
export class Sign implements Layer {
  readonly type = 'Sign';
  readonly outputWidth: number;

  constructor(
    readonly name: string,
    readonly inputWidth: number,
  ) {
    this.outputWidth = inputWidth;
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return steSign(x) as tf.Tensor2D;
  }

  parameters(): Parameter[] {
    return [];
  }

  async saveState(): Promise<LayerState> {
    return { arrays: {} };
  }

  loadState(): void {}

  dispose(): void {}
}

/**
 * Flattens each sample to one feature axis. Samples already reach the model flattened in
 * row-major order, so on the [batch, features] activations of this library it is the identity;
 * it marks where a spatial network becomes a dense one, as nn.Flatten does.
 */
export class Flatten implements Layer {
  readonly type = 'Flatten';
  readonly outputWidth: number;

  constructor(
    readonly name: string,
    readonly inputWidth: number,
  ) {
    this.outputWidth = inputWidth;
  }

  apply(x: tf.Tensor2D, _context?: ForwardContext): tf.Tensor2D {
    return x;
  }

  parameters(): Parameter[] {
    return [];
  }

  async saveState(): Promise<LayerState> {
    return { arrays: {} };
  }

  loadState(): void {}

  dispose(): void {}
}
