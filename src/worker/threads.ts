/// <reference lib="webworker" />
import { enableLutThreads } from '../core/lut/pool';

/** Defines the `listen` function that the helper script expects, for a browser worker. */
const BROWSER_PRELUDE = 'const listen = (handler) => { self.onmessage = (event) => handler(event.data); };\n';

/**
 * Returns how many helper threads the LUT kernels may use in this browser. SharedArrayBuffer
 * needs a cross-origin isolated page, so there are none without it. Otherwise there is one
 * per core beyond two, which leaves one core to the page and one to the training worker.
 */
export function browserLutThreads(): number {
  if (!(self as unknown as WorkerGlobalScope).crossOriginIsolated) return 0;
  return Math.max(0, Math.min(7, navigator.hardwareConcurrency - 2));
}

/** Starts `count` helper threads for the typed-array LUT kernels, each a worker made from a Blob URL. */
export function startBrowserLutThreads(count = browserLutThreads()): number {
  return enableLutThreads((body) => {
    const url = URL.createObjectURL(new Blob([BROWSER_PRELUDE + body], { type: 'text/javascript' }));
    const worker = new Worker(url, { name: 'deeplut-lut-helper' });
    URL.revokeObjectURL(url);
    return worker;
  }, count);
}
