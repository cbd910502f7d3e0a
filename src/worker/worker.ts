/// <reference lib="webworker" />
/**
 * Entry point of the training worker: the only place in the browser that owns a tfjs backend.
 */
import { decodeDatasetBinary } from '../core/data/binary';
import { gunzipVerified, isGzip } from '../core/data/gzip';
import { EMBEDDED_MNIST_NAME } from '../core/data/mnist';
import { selectBackend } from './backends';
import { isWorkerRequest, type WorkerEvent } from './protocol';
import { TrainingSession } from './session';
import { startBrowserLutThreads } from './threads';

/** Where Vite serves the embedded MNIST asset that `npm run assets` writes. */
export const MNIST_ASSET_PATH = 'data/mnist-embedded.dlds';

const scope = self as unknown as DedicatedWorkerGlobalScope;

// Helper threads for the typed-array LUT kernels, where the browser allows them.
startBrowserLutThreads();

async function loadEmbeddedMnist() {
  const url = new URL(`${import.meta.env.BASE_URL}${MNIST_ASSET_PATH}`, scope.location.origin);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}; run "npm run assets" to generate the embedded MNIST file`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return decodeDatasetBinary(isGzip(bytes) ? gunzipVerified(bytes, url.pathname) : bytes, EMBEDDED_MNIST_NAME);
}

const session = new TrainingSession({
  post: (event: WorkerEvent, transfer: Transferable[] = []) => scope.postMessage(event, transfer),
  loadEmbeddedMnist,
  selectBackend,
});

let queue: Promise<void> = Promise.resolve();

scope.onmessage = (message: MessageEvent<unknown>) => {
  const request = message.data;
  if (!isWorkerRequest(request)) {
    scope.postMessage({ type: 'error', request: 'probe', message: `invalid request ${JSON.stringify(request)?.slice(0, 200)}` } satisfies WorkerEvent);
    return;
  }
  // Requests run one at a time, in order. `play` returns once training has started, so
  // pause, step and stop still reach a running loop between its batches.
  queue = queue.then(() => session.handle(request));
};
