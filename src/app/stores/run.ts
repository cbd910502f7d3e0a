/**
 * The worker's reports about training: backend, run state, progress, epoch metrics, and the
 * latest netlist and export. `applyEvent` turns each worker event into state.
 */
import { createStore } from 'zustand/vanilla';
import type { Netlist } from '../../core/hardware/netlist';
import type { Spec } from '../../core/spec/schema';
import type { BatchProgress, EpochMetrics } from '../../core/train/loop';
import type { BackendName, BackendReport, DataSummary, RunState, WorkerEvent } from '../../worker/protocol';

/** One point of the per-batch curves. */
export interface ThroughputPoint {
  /** Batch number counted from the model's first epoch, as the worker's `batch` event sends it. */
  step: number;
  epoch: number;
  loss: number;
  accuracy: number;
  samplesPerSecond: number;
}

/**
 * Maximum number of per-batch points kept, about 40 minutes of training at the worker's 4 batch events per
 * second. Beyond it every other point is dropped. The charts draw a downsampled copy.
 */
export const MAX_BATCH_POINTS = 10_000;

export interface RunStore {
  backend?: BackendReport;
  /** The backend the user picked; undefined means automatic. */
  forcedBackend?: BackendName;
  state: RunState;
  progress?: BatchProgress;
  history: EpochMetrics[];
  points: ThroughputPoint[];
  flippedBits: number[];
  netlist?: Netlist;
  exported?: { files: [string, string][]; zip: Uint8Array; testAccuracy: number };
  /** The latest model.json the worker sent, with its spec. */
  savedModel?: { json: string; spec: Spec };
  data?: DataSummary;
  dataError?: string;
  error?: string;
  /** Whether a request to the worker is pending, per request type. */
  pending: Partial<Record<'data' | 'netlist' | 'export' | 'model', boolean>>;
  setForcedBackend(backend?: BackendName): void;
  setPending(kind: keyof RunStore['pending'], value: boolean): void;
  applyEvent(event: WorkerEvent): void;
  /** Clears the run's results, keeping the backend and the data. */
  clearRun(): void;
  /** Restores a stored run's curves. */
  restoreHistory(history: EpochMetrics[]): void;
}

/**
 * Appends a point. A point whose step is not after the last one starts its epoch again (a run
 * that continues a model stopped within an epoch), so it replaces the points from that step on.
 */
function appendPoint(points: ThroughputPoint[], point: ThroughputPoint): ThroughputPoint[] {
  const restarted = points.length > 0 && points[points.length - 1].step >= point.step;
  const earlier = restarted ? points.filter((p) => p.step < point.step) : points;
  const appended = [...earlier, point];
  return appended.length <= MAX_BATCH_POINTS ? appended : appended.filter((_, i) => i % 2 === 0 || i === appended.length - 1);
}

export function createRunStore() {
  return createStore<RunStore>()((set) => ({
    state: 'idle',
    history: [],
    points: [],
    flippedBits: [],
    pending: {},
    setForcedBackend: (forcedBackend) => set({ forcedBackend }),
    setPending: (kind, value) => set((s) => ({ pending: { ...s.pending, [kind]: value } })),
    clearRun: () => set({ progress: undefined, history: [], points: [], flippedBits: [], netlist: undefined, exported: undefined, error: undefined }),
    restoreHistory: (history) => set({ history, points: [], flippedBits: [] }),
    applyEvent: (event) => {
      switch (event.type) {
        case 'backend':
          set({ backend: event.report });
          return;
        case 'data':
          set((s) => ({ data: event.summary, dataError: undefined, pending: { ...s.pending, data: false } }));
          return;
        case 'state':
          set({ state: event.state, ...(event.state === 'training' ? { error: undefined } : {}) });
          return;
        case 'batch': {
          const { progress } = event;
          const point: ThroughputPoint = {
            step: event.step,
            epoch: progress.epoch,
            loss: progress.loss,
            accuracy: progress.accuracy,
            samplesPerSecond: progress.samplesPerSecond,
          };
          set((s) => ({ progress, points: appendPoint(s.points, point) }));
          return;
        }
        case 'epoch':
          set((s) => ({ history: [...s.history, event.metrics], flippedBits: event.flippedBits }));
          return;
        case 'netlist':
          set((s) => ({ netlist: event.netlist, pending: { ...s.pending, netlist: false } }));
          return;
        case 'export':
          set((s) => ({ exported: { files: event.files, zip: event.zip, testAccuracy: event.testAccuracy }, pending: { ...s.pending, export: false } }));
          return;
        case 'model':
          set((s) => ({ savedModel: { json: event.json, spec: event.spec }, pending: { ...s.pending, model: false } }));
          return;
        case 'probe':
          return;
        case 'error':
          if (event.request === 'load-data') set((s) => ({ dataError: event.message, pending: { ...s.pending, data: false } }));
          else set((s) => ({ error: event.message, pending: { ...s.pending, netlist: false, export: false, model: false } }));
          return;
      }
    },
  }));
}

export type RunStoreApi = ReturnType<typeof createRunStore>;
