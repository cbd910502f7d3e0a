import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { enableLutThreads } from '../core/lut/pool';

/** Defines the `listen` function that the helper script expects, for Node's worker_threads. */
const NODE_PRELUDE = "const { parentPort } = require('node:worker_threads');\nconst listen = (handler) => parentPort.on('message', handler);\n";

/** Most helper threads worth starting: the kernels split a large call into 8 chunks. */
const MAX_HELPERS = 7;

/**
 * The default number of helper threads: one per core besides the main thread, which takes
 * chunks too. On two cores this was faster than two helpers and a waiting main thread in
 * five of the six rows of `npm run bench -- --threads 0,1,2` (docs/benchmarks.md).
 */
export function defaultLutThreads(): number {
  return Math.min(MAX_HELPERS, availableParallelism() - 1);
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
  // With a helper on every core, the main thread would only compete with them for a core.
  return enableLutThreads(spawn, helpers, helpers >= availableParallelism());
}
