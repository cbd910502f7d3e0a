import type * as tf from '@tensorflow/tfjs';

/**
 * Reads a float32 tensor's values asynchronously, then disposes the tensor, also when the read
 * fails. Asynchronous reads work on every backend, while the webgpu backend's synchronous read
 * (`dataSync`) returns zeros in headless Chromium on SwiftShader (Chromium 156, tfjs 4.22).
 */
export async function readAndDispose(tensor: tf.Tensor): Promise<Float32Array> {
  try {
    return (await tensor.data()) as Float32Array;
  } finally {
    tensor.dispose();
  }
}
