/**
 * The typed messages between the page and the training worker, shared by both sides. The page
 * sends WorkerRequest objects; the worker streams WorkerEvent objects back. Only plain data
 * crosses: specs, typed arrays and strings.
 */
import type { Netlist } from '../core/hardware/netlist';
import type { Spec } from '../core/spec/schema';
import type { BatchProgress, EpochMetrics } from '../core/train/loop';
import type { LutImplementation } from '../core/lut/op';

/** An implementation of the LUT op that runs, as `getLutImplementation` returns it. */
export type LutImplementationName = Exclude<LutImplementation, 'auto'>;

/** tfjs backends the worker can run, in the order it tries them. */
export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

/** Backend that runs, with the reason each one before it in BACKEND_ORDER was skipped. */
export interface BackendSelection {
  active: BackendName;
  /** The backend the user forced, when not chosen automatically. */
  forced?: BackendName;
  skipped: { backend: BackendName; reason: string }[];
}

/** The selected backend and the implementation of the LUT op that runs on it. */
export interface BackendReport extends BackendSelection {
  /**
   * Kernels of the LUT op: 'webgpu' runs fused WGSL kernels on the GPU, 'js' runs typed-array
   * kernels on the CPU that read their inputs with dataSync, and 'reference' composes tfjs ops.
   */
  lutImplementation: LutImplementationName;
  /** Whether the 'js' kernels run their binary-input loops in WebAssembly. */
  lutWebAssembly: boolean;
}

/** A file the user dropped on the page. */
export interface UploadedFile {
  name: string;
  bytes: Uint8Array;
}

/** Shape and a few samples of the loaded data, for the sample strip. */
export interface DataSummary {
  name: string;
  sampleShape: number[];
  classes: number;
  trainCount: number;
  testCount: number;
  /** Up to SAMPLE_PREVIEW_COUNT training samples, sample-major 0-255 features. */
  previewFeatures: Uint8Array;
  previewLabels: Uint8Array;
}

/** Training samples shown in the data panel's strip. */
export const SAMPLE_PREVIEW_COUNT = 16;

export type RunState = 'idle' | 'training' | 'paused' | 'stopped' | 'done';

export type WorkerRequest =
  /** Activates a backend: the forced one, or the first of BACKEND_ORDER that starts. */
  | { type: 'init'; backend?: BackendName }
  /** Loads the data a spec names; uploaded files stand in for the spec's file paths. */
  | { type: 'load-data'; spec: Spec; files: UploadedFile[]; id?: number }
  /** Starts training (building the model when there is none) or resumes a paused run. */
  | { type: 'play'; spec: Spec }
  | { type: 'pause' }
  /** Trains one batch, then pauses; starts a paused run when there is none. */
  | { type: 'step'; spec: Spec }
  /** Ends the run after the current batch and keeps the model. */
  | { type: 'stop' }
  /** Ends the run and discards the model. */
  | { type: 'reset' }
  /** Requests the netlist of the current model. */
  | { type: 'netlist' }
  /** Requests the Verilog bundle of the current model. */
  | { type: 'export' }
  /** Requests model.json of the current model. */
  | { type: 'save-model' }
  /** Replaces the model with a saved model.json. */
  | { type: 'load-model'; json: string; files: UploadedFile[] }
  /** Runs a small computation and reports the backend that ran it. */
  | { type: 'probe' };

export type WorkerEvent =
  | { type: 'backend'; report: BackendReport }
  /** `id` repeats the id of the load-data request it answers; absent when training loaded the data. */
  | { type: 'data'; summary: DataSummary; id?: number }
  | { type: 'state'; state: RunState }
  /**
   * `step` is the batch's number counted from the model's first epoch,
   * `(epoch - 1) * batches + batch`: the x value of the per-batch curves.
   */
  | { type: 'batch'; progress: BatchProgress; step: number }
  /** `flippedBits[l]`: table bits of netlist layer l that changed during the epoch; empty when the model has no netlist. */
  | { type: 'epoch'; metrics: EpochMetrics; flippedBits: number[] }
  | { type: 'netlist'; netlist: Netlist }
  | { type: 'export'; files: [string, string][]; zip: Uint8Array; testAccuracy: number }
  | { type: 'model'; json: string; spec: Spec }
  | { type: 'probe'; backend: string; sum: number }
  /** `request` is the type of the request that failed, `id` its id when it had one. */
  | { type: 'error'; request: WorkerRequest['type']; message: string; id?: number };

const REQUEST_TYPES: ReadonlySet<string> = new Set(['init', 'load-data', 'play', 'pause', 'step', 'stop', 'reset', 'netlist', 'export', 'save-model', 'load-model', 'probe']);

/** Checks the shape of a message before the worker acts on it. */
export function isWorkerRequest(value: unknown): value is WorkerRequest {
  if (typeof value !== 'object' || value === null) return false;
  const request = value as { type?: unknown; backend?: unknown; spec?: unknown; files?: unknown; json?: unknown };
  if (typeof request.type !== 'string' || !REQUEST_TYPES.has(request.type)) return false;
  switch (request.type) {
    case 'init':
      return request.backend === undefined || (BACKEND_ORDER as readonly unknown[]).includes(request.backend);
    case 'load-data':
      return typeof request.spec === 'object' && request.spec !== null && Array.isArray(request.files);
    case 'play':
    case 'step':
      return typeof request.spec === 'object' && request.spec !== null;
    case 'load-model':
      return typeof request.json === 'string' && Array.isArray(request.files);
    default:
      return true;
  }
}
