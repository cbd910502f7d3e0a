import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { enableLutThreads } from '../core/lut/pool';

/** Defines the `listen` function that the helper script expects, for Node's worker_threads. */
const NODE_PRELUDE = "const { parentPort } = require('node:worker_threads');\nconst listen = (handler) => parentPort.on('message', handler);\n";

/** Most helper threads worth starting: the kernels split a large call into 8 chunks. */
const MAX_HELPERS = 7;

/** The default number of helper threads: one per core besides this one. */
export function defaultLutThreads(): number {
  return Math.min(MAX_HELPERS, availableParallelism() - 1);
}

/**
 * Starts helper threads for the typed-array LUT kernels (see core/lut/pool.ts). They do not
 * keep the process alive. Returns the number started.
 */
export function startLutThreads(count = defaultLutThreads()): number {
  return enableLutThreads((body) => {
    const worker = new Worker(NODE_PRELUDE + body, { eval: true });
    worker.unref();
    return worker;
  }, Math.max(0, Math.min(MAX_HELPERS, count)));
}
