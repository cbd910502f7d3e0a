import * as tf from '@tensorflow/tfjs';

/** Handle on the patched engine of `simulateAsyncOnlyReads`. */
export interface AsyncOnlyReads {
  /** Asynchronous tensor reads since the patch. */
  readonly count: number;
  restore(): void;
}

type BackendValues = tf.backend_util.BackendValues;

/**
 * Patches the tfjs engine so that tensors read like tensors on the webgpu backend in headless
 * Chromium on SwiftShader, where synchronous reads fail. The engine's `readSync` throws, so
 * `dataSync`, `arraySync`, `bufferSync` and the engine's moves of a tensor to another backend
 * fail. Kernels read their inputs from the backend directly and keep working. The engine's
 * `read`, behind `data()`, resolves only in a later task, after `delayMs`, so other work can run
 * while a read is pending. The values are taken when the read starts, as the webgpu backend
 * copies the buffer at that moment.
 */
export function simulateAsyncOnlyReads(delayMs = 1): AsyncOnlyReads {
  const engine = tf.engine() as unknown as { readSync(dataId: object): BackendValues; read(dataId: object): Promise<BackendValues> };
  const { readSync, read } = engine;
  let count = 0;

  engine.readSync = () => {
    throw new Error('synchronous tensor reads are not available here; read with data() instead');
  };
  engine.read = async (dataId) => {
    count++;
    const values = read.call(engine, dataId);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return values;
  };

  return {
    get count() {
      return count;
    },
    restore() {
      engine.readSync = readSync;
      engine.read = read;
    },
  };
}
