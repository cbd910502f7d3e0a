/**
 * Page script of the browser helper-thread test. Atomics.wait is not allowed on a page's main
 * thread, so the check runs in a worker (lut-threads-worker.ts), as training does.
 */
import type { ThreadCheckResult } from './lut-threads-worker';

declare global {
  interface Window {
    runLutThreadCheck?: () => Promise<ThreadCheckResult>;
  }
}

window.runLutThreadCheck = () =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./lut-threads-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<ThreadCheckResult>) => {
      worker.terminate();
      resolve(event.data);
    };
    worker.onerror = (event) => reject(new Error(event.message));
  });
