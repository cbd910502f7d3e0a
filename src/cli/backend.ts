import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DeepLutError } from '../core/errors';

/** tfjs backends that run in Node from npm packages alone (tfjs-node needs a native download). */
export const NODE_BACKENDS = ['wasm', 'cpu'] as const;
export type NodeBackend = (typeof NODE_BACKENDS)[number];

/**
 * Activates a tfjs backend and checks that it really runs: tfjs falls back silently when a
 * backend fails to initialize. wasm is the default: it was the fastest in benchmarks here.
 */
export async function useBackend(name: string): Promise<NodeBackend> {
  if (!(NODE_BACKENDS as readonly string[]).includes(name)) {
    throw new DeepLutError(`unknown backend "${name}"; use one of ${NODE_BACKENDS.join(', ')}`);
  }
  const ok = await tf.setBackend(name);
  if (name === 'cpu') {
    // On first use the cpu backend prints advice to install tfjs-node. That package needs a
    // native download at install time, which offline machines cannot make.
    (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  }
  if (!ok || tf.getBackend() !== name) throw new DeepLutError(`the tfjs ${name} backend failed to start; try --backend cpu`);
  return name as NodeBackend;
}
