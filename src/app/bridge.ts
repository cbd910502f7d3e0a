/**
 * The page's side of the worker: sends typed requests, routes the worker's events into the
 * stores, and stores a run in IndexedDB whenever it pauses, stops or finishes.
 */
import type { Spec } from '../core/spec/schema';
import type { BackendName, UploadedFile, WorkerEvent, WorkerRequest } from '../worker/protocol';
import { putRun, type StoredRun } from './runs';
import type { RunStoreApi } from './stores/run';

/** The part of a Worker the bridge uses, so tests can pass a fake. */
export interface WorkerLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
}

export class WorkerBridge {
  /** Id of the run being trained, the key of its IndexedDB record. */
  runId?: string;
  private saveRequested = false;
  private dataCallbacks = new Map<number, () => void>();
  private nextRequestId = 1;
  private probeWaiters: ((result: { backend: string; sum: number }) => void)[] = [];
  private modelLoadPending = false;
  /** JSON of the spec the page last sent for training, which is the spec of the worker's model. */
  private modelSpecJson?: string;
  /** Called with the spec of a model.json the worker loaded. */
  onSpecLoaded?: (spec: Spec) => void;
  /** Called after a run was written to IndexedDB. */
  onRunSaved?: (run: StoredRun) => void;

  constructor(
    private readonly worker: WorkerLike,
    private readonly runs: RunStoreApi,
    private readonly save: (run: StoredRun) => Promise<void> = putRun,
  ) {
    worker.onmessage = (message) => this.receive(message.data as WorkerEvent);
  }

  send(request: WorkerRequest, transfer: Transferable[] = []): void {
    this.worker.postMessage(request, transfer);
  }

  init(backend?: BackendName): void {
    this.runs.getState().setForcedBackend(backend);
    this.send({ type: 'init', backend });
  }

  /** Loads a spec's data; `onLoaded` runs once the worker has it, and not at all when it fails. */
  loadData(spec: Spec, files: UploadedFile[] = [], onLoaded?: () => void): void {
    this.runs.getState().setPending('data', true);
    const id = this.nextRequestId++;
    if (onLoaded) this.dataCallbacks.set(id, onLoaded);
    this.send({ type: 'load-data', spec, files, id }, files.map((f) => f.bytes.buffer as ArrayBuffer));
  }

  play(spec: Spec): void {
    this.beginRun(spec);
    this.send({ type: 'play', spec });
  }

  step(spec: Spec): void {
    this.beginRun(spec);
    this.send({ type: 'step', spec });
  }

  /**
   * Starts a new run record when the spec differs from the model's: the worker then builds a
   * new model, so the old curves no longer apply. A paused run resumes whatever the spec.
   */
  private beginRun(spec: Spec): void {
    const json = JSON.stringify(spec);
    const state = this.runs.getState().state;
    if (state !== 'paused' && json !== this.modelSpecJson) {
      this.runs.getState().clearRun();
      this.runId = newRunId();
    }
    this.modelSpecJson = json;
    this.runId ??= newRunId();
  }

  reset(): void {
    this.runId = undefined;
    this.modelSpecJson = undefined;
    this.runs.getState().clearRun();
    this.send({ type: 'reset' });
  }

  request(kind: 'netlist' | 'export' | 'model'): void {
    this.runs.getState().setPending(kind, true);
    this.send({ type: kind === 'model' ? 'save-model' : kind });
  }

  /** Asks the worker which backend runs a computation. */
  probe(): Promise<{ backend: string; sum: number }> {
    return new Promise((resolve) => {
      this.probeWaiters.push(resolve);
      this.send({ type: 'probe' });
    });
  }

  /** Replaces the worker's model with a model.json; `onSpecLoaded` receives its spec. */
  loadModel(json: string, files: UploadedFile[] = []): void {
    this.modelLoadPending = true;
    this.send({ type: 'load-model', json, files });
  }

  /** Continues a stored run: the worker loads its model.json. */
  reopen(run: StoredRun): void {
    this.runId = run.id;
    this.runs.getState().restoreHistory(run.history);
    this.loadModel(run.modelJson);
  }

  private receive(event: WorkerEvent): void {
    this.runs.getState().applyEvent(event);
    if ((event.type === 'data' || event.type === 'error') && event.id !== undefined) {
      const callback = this.dataCallbacks.get(event.id);
      this.dataCallbacks.delete(event.id);
      if (event.type === 'data') callback?.();
    }
    if (event.type === 'probe') {
      this.probeWaiters.shift()?.({ backend: event.backend, sum: event.sum });
    }
    if (event.type === 'state' && this.runId && (event.state === 'paused' || event.state === 'stopped' || event.state === 'done')) {
      this.saveRequested = true;
      this.send({ type: 'save-model' });
    }
    if (event.type === 'error' && event.request === 'load-model') this.modelLoadPending = false;
    if (event.type === 'model' && this.modelLoadPending) {
      this.modelLoadPending = false;
      this.modelSpecJson = JSON.stringify(event.spec);
      this.onSpecLoaded?.(event.spec);
      return;
    }
    if (event.type === 'model' && this.saveRequested && this.runId) {
      this.saveRequested = false;
      const state = this.runs.getState();
      const run: StoredRun = {
        id: this.runId,
        name: event.spec.name,
        savedAt: Date.now(),
        state: state.state,
        spec: event.spec,
        history: state.history,
        modelJson: event.json,
      };
      this.save(run).then(
        () => this.onRunSaved?.(run),
        (error: unknown) => this.runs.getState().applyEvent({ type: 'error', request: 'save-model', message: `the run could not be stored: ${String(error)}` }),
      );
    }
  }
}

function newRunId(): string {
  return `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}
