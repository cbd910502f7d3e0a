/**
 * Backend choice in the worker: tries webgpu, webgl, wasm and cpu in that order (or the one
 * the user forced) and records why each skipped backend failed. tfjs falls back silently when
 * `setBackend` fails, so each candidate is checked with a small computation.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { getLutImplementation } from '../core/lut/op';
import { readAndDispose } from '../core/read';
import { BACKEND_ORDER, type BackendName, type BackendSelection } from './protocol';

// Vite serves the .wasm files from these URLs. Threads stay off: threaded wasm fails in
// minified Vite 8 builds, and the page is not cross-origin isolated anyway.
setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

/**
 * Checks whether a WebGL2 context can be created. A failed WebGPU check can take Chromium's GPU
 * process down with it, and contexts fail until it has restarted, so this tries a few times.
 */
async function webgl2Available(): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (new OffscreenCanvas(1, 1).getContext('webgl2')) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/** Returns why a backend cannot run here, or undefined when it runs. */
async function tryBackend(name: BackendName): Promise<string | undefined> {
  if (name === 'webgpu') {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (!gpu) return 'navigator.gpu is missing (WebGPU disabled in this browser)';
    if (!(await gpu.requestAdapter())) return 'no adapter';
  }
  if (name === 'webgl') {
    if (typeof OffscreenCanvas === 'undefined') return 'no OffscreenCanvas in workers';
    if (!(await webgl2Available())) return 'no WebGL2 context';
  }
  try {
    if (!(await tf.setBackend(name)) || tf.getBackend() !== name) return 'failed to start';
    await tf.ready();
    // A matMul large enough to run on the device rather than be forwarded to the CPU. Training,
    // evaluation and export read tensors asynchronously on every backend. Only the 'js' LUT
    // implementation, which the op picks on every backend but webgpu, reads with dataSync, so a
    // failing synchronous read rules out only the backends that use it.
    const product = () => tf.tidy(() => tf.matMul(tf.ones([32, 32]), tf.ones([32, 32])).sum());
    if (getLutImplementation() === 'js') {
      const syncValue = tf.tidy(() => product().dataSync()[0]);
      if (syncValue !== 32768) return `dataSync() returned ${syncValue} for a 32×32 matMul test, expected 32768; the LUT op on ${name} needs synchronous reads`;
    }
    const asyncValue = (await readAndDispose(product()))[0];
    if (asyncValue !== 32768) return `a 32×32 matMul test returned ${asyncValue}, expected 32768`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (name === 'cpu') {
    // The cpu backend's first-use advice to install tfjs-node does not apply in a browser.
    (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  }
  return undefined;
}

/**
 * Activates the forced backend, or the first of BACKEND_ORDER that runs. A forced backend
 * that fails is reported as skipped, and the others are tried in order.
 */
export async function selectBackend(forced?: BackendName): Promise<BackendSelection> {
  const skipped: BackendSelection['skipped'] = [];
  const order = forced ? [forced, ...BACKEND_ORDER.filter((b) => b !== forced)] : [...BACKEND_ORDER];
  for (const name of order) {
    const reason = await tryBackend(name);
    if (reason === undefined) return { active: name, forced, skipped };
    skipped.push({ backend: name, reason });
  }
  throw new Error(`no tfjs backend runs here: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}
