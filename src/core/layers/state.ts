import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../errors';
import type { LayerState, StoredArray } from './layer';

/** Reads the float array `key` of a saved layer state, checking its shape. */
export function readStoredFloat(state: LayerState, key: string, shape: number[], layerName: string): Float32Array {
  const stored: StoredArray | undefined = state.arrays[key];
  if (!stored) throw new CheckpointError(`${layerName}: saved state has no "${key}" array`);
  if (stored.dtype !== 'float32' || stored.shape.join('x') !== shape.join('x')) {
    throw new CheckpointError(`${layerName}: saved "${key}" is ${stored.dtype} [${stored.shape.join(', ')}], expected float32 [${shape.join(', ')}]`);
  }
  return stored.data as Float32Array;
}

/** Copies a saved float array into a variable of the same shape. */
export function assignStored(variable: tf.Variable, state: LayerState, key: string, layerName: string): void {
  const data = readStoredFloat(state, key, variable.shape, layerName);
  tf.tidy(() => variable.assign(tf.tensor(data, variable.shape)));
}

/**
 * Reads a float variable's values asynchronously, because the webgpu backend's synchronous read
 * returns zeros in headless Chromium on SwiftShader. On cpu the array may share memory with the
 * backend, so callers must not write to it.
 */
export async function readVariable(variable: tf.Variable): Promise<Float32Array> {
  return (await variable.data()) as Float32Array;
}
