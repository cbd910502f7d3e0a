/**
 * The training session behind the worker: keeps the data, the model and the run, and turns
 * requests into events. It owns no backend choice and no `self`, so Node tests drive it
 * directly with the cpu backend.
 *
 * Every tensor read here and in the core code it calls is asynchronous, because the webgpu
 * backend's synchronous read returns zeros in headless Chromium on SwiftShader. Such reads
 * yield to the event loop, so a request that reads the model (netlist, export, model.json)
 * could interleave with a training batch that changes it. The session therefore runs those
 * requests only between batches.
 */
import * as tf from '@tensorflow/tfjs';
import type { DataSplit, Dataset } from '../core/data/dataset';
import { parseCsv } from '../core/data/csv';
import { idxPairToDataset } from '../core/data/idx';
import { DataError, DeepLutError, ExportError } from '../core/errors';
import { exportModel } from '../core/hardware/export';
import { modelToNetlist } from '../core/hardware/from-model';
import { getLutImplementation } from '../core/lut/op';
import { lutUsesWasm } from '../core/lut/pool';
import { readAndDispose } from '../core/read';
import type { Spec } from '../core/spec/schema';
import { parseSpec } from '../core/spec/validate';
import { loadCheckpoint, saveCheckpoint } from '../core/train/checkpoint';
import { loadSpecData, type DataSources } from '../core/train/data';
import { train, type BatchProgress, type EpochMetrics } from '../core/train/loop';
import { buildModel, type Model } from '../core/train/model';
import { SAMPLE_PREVIEW_COUNT, type BackendName, type BackendSelection, type DataSummary, type RunState, type UploadedFile, type WorkerEvent, type WorkerRequest } from './protocol';

/** Services the session needs from its host: sending events, the embedded data and backends. */
export interface SessionHost {
  post(event: WorkerEvent, transfer?: Transferable[]): void;
  loadEmbeddedMnist(): Promise<Dataset>;
  selectBackend(forced?: BackendName): Promise<BackendSelection>;
}

/** Shortest time between two batch events, in ms, so the page redraws its curves at most 4 times a second. */
const BATCH_EVENT_INTERVAL_MS = 250;

/** Returns the spec fields that decide which data is loaded, as a string key. */
function dataKey(spec: Spec): string {
  const seed = spec.dataset.source === 'synthetic' ? spec.seed : undefined;
  return JSON.stringify([spec.dataset, spec.split, seed]);
}

function uploadedSources(files: Map<string, Uint8Array>, embedded: Dataset | undefined): DataSources {
  const file = (name: string) => {
    const bytes = files.get(name);
    if (!bytes) throw new DataError(`${name}: file not loaded; drop it on the data panel again`);
    return bytes;
  };
  return {
    embeddedMnist: () => {
      if (!embedded) throw new DataError('the embedded MNIST subset is not loaded');
      return embedded;
    },
    idxPair: (images, labels, classes) => idxPairToDataset(file(images), file(labels), { imagesName: images, labelsName: labels, classes }),
    csv: (path, labelColumn, classes) => parseCsv(new TextDecoder().decode(file(path)), { name: path, labelColumn, classes }),
  };
}

function summarize(data: DataSplit): DataSummary {
  const count = Math.min(SAMPLE_PREVIEW_COUNT, data.train.count);
  const width = data.train.featureCount;
  return {
    name: data.train.name,
    sampleShape: data.train.sampleShape,
    classes: data.train.classes,
    trainCount: data.train.count,
    testCount: data.test.count,
    previewFeatures: data.train.features.slice(0, count * width),
    previewLabels: data.train.labels.slice(0, count),
  };
}

export class TrainingSession {
  private files = new Map<string, Uint8Array>();
  private embedded?: Dataset;
  private data?: DataSplit;
  private loadedDataKey?: string;
  private model?: Model;
  private state: RunState = 'idle';
  private abort?: AbortController;
  private paused = false;
  private stepsAllowed = 0;
  private release?: () => void;
  private run?: Promise<void>;
  private epochOffset = 0;
  private history: EpochMetrics[] = [];
  private lastBatchEvent = 0;
  /** Whether the run may change the model now, from its start until it waits before a batch. */
  private modelChanging = false;
  /** Count of requests that read the model, waiting or running. The run waits before a batch while any exist. */
  private modelReaders = 0;
  private wakeReaders: (() => void)[] = [];
  private wakeRun: (() => void)[] = [];

  constructor(private readonly host: SessionHost) {}

  /** Handles one request; every failure becomes an `error` event naming the request. */
  async handle(request: WorkerRequest): Promise<void> {
    try {
      await this.dispatch(request);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const id = request.type === 'load-data' ? request.id : undefined;
      this.host.post({ type: 'error', request: request.type, message, ...(id === undefined ? {} : { id }) });
    }
  }

  /** Resolves when the current run, if any, has ended. */
  async settled(): Promise<void> {
    await this.run;
  }

  private async dispatch(request: WorkerRequest): Promise<void> {
    switch (request.type) {
      case 'init':
        await this.selectBackend(request.backend);
        return;
      case 'load-data':
        await this.loadData(parseSpec(request.spec), request.files, { answer: true, id: request.id });
        return;
      case 'play':
        if (this.state === 'paused') return this.resume();
        return this.start(parseSpec(request.spec), false);
      case 'step':
        if (this.state === 'paused') {
          this.stepsAllowed++;
          this.release?.();
          return;
        }
        return this.start(parseSpec(request.spec), true);
      case 'pause':
        if (this.state !== 'training') return;
        this.paused = true;
        this.setState('paused');
        return;
      case 'stop':
        await this.stop();
        return;
      case 'reset':
        await this.stop();
        this.model?.dispose();
        this.model = undefined;
        this.history = [];
        this.epochOffset = 0;
        this.setState('idle');
        return;
      case 'netlist': {
        const netlist = await this.readModel((model, data) => modelToNetlist(model, data.train.sampleShape));
        this.host.post({ type: 'netlist', netlist });
        return;
      }
      case 'export': {
        const result = await this.readModel((model, data) => exportModel(model, data.train.sampleShape, data.test, { registered: false }));
        const files: [string, string][] = [...result.files].filter((entry): entry is [string, string] => typeof entry[1] === 'string');
        this.host.post({ type: 'export', files, zip: result.zip, testAccuracy: result.testAccuracy }, [result.zip.buffer as ArrayBuffer]);
        return;
      }
      case 'save-model': {
        const checkpoint = await this.readModel((model, data) => saveCheckpoint(model, data.train.sampleShape, { history: this.history }));
        this.host.post({ type: 'model', json: JSON.stringify(checkpoint), spec: checkpoint.spec });
        return;
      }
      case 'load-model':
        await this.loadModel(request.json, request.files);
        return;
      case 'probe': {
        const [sum] = await readAndDispose(tf.tidy(() => tf.matMul(tf.ones([8, 8]), tf.ones([8, 8])).sum()));
        this.host.post({ type: 'probe', backend: tf.getBackend(), sum });
        return;
      }
    }
  }

  private setState(state: RunState): void {
    this.state = state;
    this.host.post({ type: 'state', state });
  }

  /**
   * Activates a backend and moves the model, if any, onto it. Left alone, tfjs would move each
   * tensor on its first use with a synchronous read from the old backend. That read returns
   * zeros on webgpu in headless Chromium, so a checkpoint moves the model with asynchronous
   * reads instead. A paused run ends first, because its optimizer keeps tensors of the old
   * backend.
   */
  private async selectBackend(forced?: BackendName): Promise<void> {
    await this.stop();
    // Without a model no backend may be initialized yet, and tf.getBackend() would start one.
    const previousBackend = this.model ? tf.getBackend() : undefined;
    const selection = await this.host.selectBackend(forced);
    if (this.model && tf.getBackend() !== previousBackend) {
      // tfjs reads each tensor from the backend that stores it, so the old model is still readable.
      const checkpoint = await saveCheckpoint(this.model, this.requireData().train.sampleShape);
      const moved = loadCheckpoint(checkpoint).model;
      this.model.dispose();
      this.model = moved;
    }
    this.host.post({ type: 'backend', report: { ...selection, lutImplementation: getLutImplementation(), lutWebAssembly: lutUsesWasm() } });
  }

  /**
   * Runs `read` on the current model and data once no training batch is changing the model, and
   * keeps the run waiting before its next batch until `read` has finished.
   */
  private async readModel<T>(read: (model: Model, data: DataSplit) => Promise<T>): Promise<T> {
    this.modelReaders++;
    try {
      while (this.modelChanging) await new Promise<void>((resolve) => this.wakeReaders.push(resolve));
      return await read(this.requireModel(), this.requireData());
    } finally {
      this.modelReaders--;
      if (this.modelReaders === 0) for (const wake of this.wakeRun.splice(0)) wake();
    }
  }

  /** Marks whether the run may change the model now, and lets waiting readers in when not. */
  private setModelChanging(changing: boolean): void {
    this.modelChanging = changing;
    if (!changing) for (const wake of this.wakeReaders.splice(0)) wake();
  }

  private requireModel(): Model {
    if (!this.model) throw new DeepLutError('there is no model yet; train one or load a model.json');
    return this.model;
  }

  private requireData(): DataSplit {
    if (!this.data) throw new DeepLutError('no data is loaded; pick a dataset first');
    return this.data;
  }

  /**
   * Loads the spec's data unless it is loaded already; on failure the previous data stays.
   * Sends a `data` event when the data changed or when `answer` is set.
   */
  private async loadData(spec: Spec, files: UploadedFile[], reply: { answer: boolean; id?: number } = { answer: false }): Promise<DataSplit> {
    const merged = new Map(this.files);
    for (const file of files) merged.set(file.name, file.bytes);
    const key = dataKey(spec);
    const withId = reply.id === undefined ? {} : { id: reply.id };
    if (this.data && key === this.loadedDataKey && files.length === 0) {
      if (reply.answer) this.host.post({ type: 'data', summary: summarize(this.data), ...withId });
      return this.data;
    }
    if (this.state === 'training' || this.state === 'paused') {
      throw new DeepLutError('the data cannot change while a run is training or paused; stop or reset the run first');
    }

    if (spec.dataset.source === 'mnist-embedded' && !this.embedded) this.embedded = await this.host.loadEmbeddedMnist();
    const data = loadSpecData(spec, uploadedSources(merged, this.embedded));
    this.files = merged;
    this.data = data;
    this.loadedDataKey = key;
    this.host.post({ type: 'data', summary: summarize(data), ...withId });
    return data;
  }

  private async start(spec: Spec, stepOnly: boolean): Promise<void> {
    if (this.state === 'training') return;
    await this.run;
    const data = await this.loadData(spec, []);
    if (!this.model || JSON.stringify(this.model.spec) !== JSON.stringify(spec)) {
      this.model?.dispose();
      this.model = buildModel(spec, data.train.featureCount, data.train.classes);
      this.history = [];
      this.epochOffset = 0;
    }
    this.paused = stepOnly;
    this.stepsAllowed = stepOnly ? 1 : 0;
    this.abort = new AbortController();
    this.setState(stepOnly ? 'paused' : 'training');
    // Memorize changes the model before the first batch, so readers wait from the start.
    this.setModelChanging(true);
    this.run = this.train(this.model, data, this.abort.signal);
  }

  private resume(): void {
    this.paused = false;
    this.setState('training');
    this.release?.();
  }

  private async stop(): Promise<void> {
    if (!this.run) return;
    this.abort?.abort();
    this.release?.();
    await this.run;
  }

  /**
   * Awaited by the loop before each batch. Lets requests that read the model run, then passes
   * while running or with a step allowed, and waits while paused.
   */
  private async beforeBatch(signal: AbortSignal): Promise<void> {
    this.setModelChanging(false);
    await this.waitForPause(signal);
    while (this.modelReaders > 0) await new Promise<void>((resolve) => this.wakeRun.push(resolve));
    this.setModelChanging(true);
  }

  private async waitForPause(signal: AbortSignal): Promise<void> {
    while (this.paused && !signal.aborted) {
      if (this.stepsAllowed > 0) {
        this.stepsAllowed--;
        return;
      }
      await new Promise<void>((resolve) => (this.release = resolve));
      this.release = undefined;
    }
  }

  private async tableBits(model: Model, data: DataSplit): Promise<Uint8Array[] | undefined> {
    let netlist;
    try {
      netlist = await modelToNetlist(model, data.train.sampleShape);
    } catch (error) {
      // Models with layers that have no hardware form have no truth tables to compare.
      if (error instanceof ExportError) return undefined;
      throw error;
    }
    return netlist.layers.map((layer) => layer.truthTables);
  }

  private onBatch(progress: BatchProgress): void {
    const now = performance.now();
    if (!this.paused && progress.batch < progress.batches && now - this.lastBatchEvent < BATCH_EVENT_INTERVAL_MS) return;
    this.lastBatchEvent = now;
    const epoch = progress.epoch + this.epochOffset;
    const step = (epoch - 1) * progress.batches + progress.batch;
    this.host.post({ type: 'batch', progress: { ...progress, epoch, epochs: progress.epochs + this.epochOffset }, step });
  }

  private async train(model: Model, data: DataSplit, signal: AbortSignal): Promise<void> {
    const offset = this.epochOffset;
    try {
      let before = await this.tableBits(model, data);
      const result = await train(model, data, {
        signal,
        initialize: offset === 0,
        beforeBatch: () => this.beforeBatch(signal),
        onBatch: (progress) => this.onBatch(progress),
        onEpoch: async (metrics) => {
          const shifted = { ...metrics, epoch: metrics.epoch + offset };
          const after = await this.tableBits(model, data);
          const flippedBits = after && before ? after.map((bits, l) => countDifferences(bits, before![l])) : [];
          before = after;
          this.history.push(shifted);
          this.host.post({ type: 'epoch', metrics: shifted, flippedBits });
        },
      });
      this.epochOffset = offset + result.history.length;
      this.setState(signal.aborted ? 'stopped' : 'done');
    } catch (error) {
      this.host.post({ type: 'error', request: 'play', message: error instanceof Error ? error.message : String(error) });
      this.setState('stopped');
    } finally {
      this.paused = false;
      this.run = undefined;
      this.setModelChanging(false);
    }
  }

  private async loadModel(text: string, files: UploadedFile[]): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new DeepLutError(`model.json is not valid JSON: ${(error as Error).message}`);
    }
    await this.stop();
    const loaded = loadCheckpoint(json);
    const data = await this.loadData(loaded.model.spec, files);
    if (data.train.featureCount !== loaded.model.inputWidth) {
      loaded.model.dispose();
      throw new DeepLutError(`model.json reads ${loaded.model.inputWidth} inputs, but its dataset has ${data.train.featureCount} features`);
    }
    this.model?.dispose();
    this.model = loaded.model;
    const history = (loaded.metrics?.history as EpochMetrics[] | undefined) ?? [];
    this.history = Array.isArray(history) ? history : [];
    this.epochOffset = this.history.length;
    this.host.post({ type: 'model', json: text, spec: loaded.model.spec });
    this.setState('stopped');
  }
}

function countDifferences(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length;
  let count = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) count++;
  return count;
}
