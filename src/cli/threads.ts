import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { enableLutThreads } from '../core/lut/pool';

/** Defines the `listen` function that the helper script expects, for Node's worker_threads. */
const NODE_PRELUDE = "const { parentPort } = require('node:worker_threads');\nconst listen = (handler) => parentPort.on('message', handler);\n";

/** Most helper threads worth starting: the kernels split a large call into 8 chunks. */
const MAX_HELPERS = 7;

/**
 * The default number of helper threads: one per core. The main thread then only waits
 * while they run the kernels, because its own typed-array code runs slower once tfjs's wasm
 * backend has grown its memory (see `enableLutThreads`).
 */
export function defaultLutThreads(): number {
  return Math.min(MAX_HELPERS, availableParallelism());
}

/**
 * Starts helper threads for the typed-array LUT kernels (see core/lut/pool.ts). They do not
 * keep the process alive. Returns the number started.
 */
export function startLutThreads(count = defaultLutThreads()): number {
  const helpers = Math.max(0, Math.min(MAX_HELPERS, count));
  const spawn = (body: string) => {
    const worker = new Worker(NODE_PRELUDE + body, { eval: true });
    worker.unref();
    return worker;
  };
  return enableLutThreads(spawn, helpers, helpers >= availableParallelism());
}
