import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { enableLutThreads } from '../core/lut/pool';

/** Defines the `listen` function that the helper script expects, for Node's worker_threads. */
const NODE_PRELUDE = "const { parentPort } = require('node:worker_threads');\nconst listen = (handler) => parentPort.on('message', handler);\n";

/** Most helper threads worth starting: the kernels split a large call into 8 chunks. */
const MAX_HELPERS = 7;

/**
 * The default number of helper threads: one per core, while the main thread waits. On two
 * cores this beat one helper with the main thread taking chunks in every row of
 * `npm run bench -- --threads 1,2` (docs/benchmarks.md), because the main thread's own
 * typed-array code runs slower (see `enableLutThreads`).
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
  // With a helper on every core, the main thread would only compete with them for a core.
  return enableLutThreads(spawn, helpers, helpers >= availableParallelism());
}
