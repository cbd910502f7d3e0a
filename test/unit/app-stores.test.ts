import { describe, expect, it } from 'vitest';
import { WorkerBridge, type WorkerLike } from '../../src/app/bridge';
import type { StoredRun } from '../../src/app/runs';
import { MAX_BATCH_POINTS, createRunStore } from '../../src/app/stores/run';
import { DEFAULT_SPEC, createSpecStore } from '../../src/app/stores/spec';
import { layerStats, validateDraft } from '../../src/app/validation';
import type { BatchProgress, EpochMetrics } from '../../src/core/train/loop';
import type { WorkerEvent } from '../../src/worker/protocol';

const progress: BatchProgress = { phase: 0, epoch: 1, epochs: 2, batch: 1, batches: 4, size: 32, loss: 0.7, accuracy: 0.5, samplesPerSecond: 900 };
const metrics: EpochMetrics = { phase: 0, epoch: 1, trainLoss: 0.6, trainAccuracy: 0.7, testAccuracyFloat: 0.72, testAccuracy: 0.71, samplesPerSecond: 800, seconds: 1, tensors: 10 };

describe('spec store', () => {
  it('adds, moves, duplicates and removes layers', () => {
    const store = createSpecStore();
    const types = () => store.getState().spec.layers.map((l) => l.type);
    store.getState().addLayer('Dense', 1);
    expect(types()).toEqual(['Flatten', 'Dense', 'LutLinear', 'BatchNorm', 'Sign', 'LutLinear']);
    store.getState().moveLayer(1, 1);
    expect(types()).toEqual(['Flatten', 'LutLinear', 'Dense', 'BatchNorm', 'Sign', 'LutLinear']);
    store.getState().moveLayer(0, -1);
    expect(types()[0]).toBe('Flatten');
    store.getState().duplicateLayer(1);
    expect(store.getState().spec.layers[2]).toEqual(store.getState().spec.layers[1]);
    expect(store.getState().spec.layers[2]).not.toBe(store.getState().spec.layers[1]);
    store.getState().removeLayer(2);
    store.getState().removeLayer(2);
    expect(store.getState().spec.layers).toEqual(DEFAULT_SPEC.layers);
  });

  it('gives new layers the schema defaults', () => {
    const store = createSpecStore();
    store.getState().addLayer('LutLinear');
    expect(store.getState().spec.layers.at(-1)).toEqual({ type: 'LutLinear', out: 10, k: 4, mask: { kind: 'expanded', replacement: false }, binarization: 2, inputExpanded: true, trainer: 'lagrange', init: 'uniform' });
  });

  it('updates a layer without touching the others', () => {
    const store = createSpecStore();
    const before = store.getState().spec;
    store.getState().updateLayer(1, { k: 6 });
    expect(store.getState().spec.layers[1]).toMatchObject({ type: 'LutLinear', k: 6 });
    expect(store.getState().spec.layers[4]).toBe(before.layers[4]);
    expect(before.layers[1]).toMatchObject({ k: 4 });
  });
});

describe('draft validation', () => {
  it('explains a field next to its path', () => {
    const draft = { ...DEFAULT_SPEC, layers: DEFAULT_SPEC.layers.map((l, i) => (i === 1 ? { ...l, k: 12 } : l)) };
    expect(validateDraft(draft).byPath['layers[1].k']).toBe('must be an integer from 1 to 8, got 12');
  });

  it('checks the output width against the data', () => {
    const problems = validateDraft(DEFAULT_SPEC, { featureCount: 6, classes: 2 }).problems;
    expect(problems).toEqual([`layers[4]: the network outputs 10 values, but the dataset has 2 classes; make the last layer's "out" 2`]);
    expect(validateDraft(DEFAULT_SPEC, { featureCount: 784, classes: 10 }).problems).toEqual([]);
  });

  it('counts tables, weights and memory per layer', () => {
    const stats = layerStats(DEFAULT_SPEC.layers, 784);
    expect(stats[1]).toEqual({ inputWidth: 784, outputWidth: 64, tables: 64 * 32, weights: 64 * 32 * 16, trainingBytes: 64 * 32 * 16 * 20 });
    expect(stats[4]).toMatchObject({ inputWidth: 64, outputWidth: 10, tables: 10 * 16 });
  });
});

describe('run store', () => {
  it('applies batch and epoch events', () => {
    const store = createRunStore();
    store.getState().applyEvent({ type: 'state', state: 'training' });
    store.getState().applyEvent({ type: 'batch', progress, step: 1 });
    store.getState().applyEvent({ type: 'batch', progress: { ...progress, batch: 3 }, step: 3 });
    store.getState().applyEvent({ type: 'epoch', metrics, flippedBits: [5, 1] });
    const state = store.getState();
    expect(state.state).toBe('training');
    expect(state.progress).toMatchObject({ batch: 3 });
    expect(state.points).toEqual([
      { step: 1, epoch: 1, loss: 0.7, accuracy: 0.5, samplesPerSecond: 900 },
      { step: 3, epoch: 1, loss: 0.7, accuracy: 0.5, samplesPerSecond: 900 },
    ]);
    expect(state.history).toEqual([metrics]);
    expect(state.flippedBits).toEqual([5, 1]);
  });

  it('thins the batch points', () => {
    const store = createRunStore();
    for (let i = 0; i < MAX_BATCH_POINTS + 1; i++) store.getState().applyEvent({ type: 'batch', progress, step: i + 1 });
    expect(store.getState().points.length).toBeLessThanOrEqual(MAX_BATCH_POINTS);
    expect(store.getState().points[0].step).toBe(1);
    expect(store.getState().points.at(-1)?.step).toBe(MAX_BATCH_POINTS + 1);
  });

  it('replaces the points of a restarted epoch', () => {
    const store = createRunStore();
    for (const step of [1, 2, 3, 5, 6]) store.getState().applyEvent({ type: 'batch', progress, step });
    store.getState().applyEvent({ type: 'batch', progress, step: 5 });
    expect(store.getState().points.map((p) => p.step)).toEqual([1, 2, 3, 5]);
  });

  it('routes data errors apart from run errors', () => {
    const store = createRunStore();
    store.getState().setPending('data', true);
    store.getState().applyEvent({ type: 'error', request: 'load-data', message: 'bad file' });
    store.getState().applyEvent({ type: 'error', request: 'export', message: 'no model' });
    expect(store.getState()).toMatchObject({ dataError: 'bad file', error: 'no model', pending: { data: false } });
  });
});

describe('worker bridge', () => {
  function fakeWorker() {
    const sent: unknown[] = [];
    const worker: WorkerLike = { postMessage: (message) => sent.push(message), onmessage: null };
    const emit = (event: WorkerEvent) => worker.onmessage?.({ data: event } as MessageEvent);
    return { worker, sent, emit };
  }

  it('stores a run when it pauses', async () => {
    const { worker, sent, emit } = fakeWorker();
    const saved: StoredRun[] = [];
    const runs = createRunStore();
    const bridge = new WorkerBridge(worker, runs, async (run) => void saved.push(run));
    bridge.play(DEFAULT_SPEC);
    emit({ type: 'state', state: 'training' });
    emit({ type: 'epoch', metrics, flippedBits: [] });
    emit({ type: 'state', state: 'paused' });
    expect(sent.map((m) => (m as { type: string }).type)).toEqual(['play', 'save-model']);
    emit({ type: 'model', json: '{"format":"deeplut-model"}', spec: DEFAULT_SPEC });
    await Promise.resolve();
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ id: bridge.runId, name: 'mnist-lut', state: 'paused', history: [metrics], modelJson: '{"format":"deeplut-model"}' });
  });

  it('starts a new run when the spec changes', () => {
    const { worker, emit } = fakeWorker();
    const runs = createRunStore();
    const bridge = new WorkerBridge(worker, runs, async () => {});
    bridge.play(DEFAULT_SPEC);
    const first = bridge.runId;
    emit({ type: 'epoch', metrics, flippedBits: [] });
    emit({ type: 'state', state: 'done' });
    bridge.play(DEFAULT_SPEC);
    expect(bridge.runId).toBe(first);
    expect(runs.getState().history).toHaveLength(1);
    bridge.play({ ...DEFAULT_SPEC, learningRate: 0.02 });
    expect(bridge.runId).not.toBe(first);
    expect(runs.getState().history).toHaveLength(0);
  });

  it('calls back when data loads, not when it fails', () => {
    const { worker, emit } = fakeWorker();
    const bridge = new WorkerBridge(worker, createRunStore(), async () => {});
    const loaded: string[] = [];
    bridge.loadData(DEFAULT_SPEC, [], () => loaded.push('first'));
    bridge.loadData(DEFAULT_SPEC, [], () => loaded.push('second'));
    const summary = { name: 'x', sampleShape: [2], classes: 2, trainCount: 1, testCount: 1, previewFeatures: new Uint8Array(2), previewLabels: new Uint8Array(1) };
    emit({ type: 'data', summary });
    emit({ type: 'error', request: 'load-data', message: 'bad', id: 1 });
    emit({ type: 'data', summary, id: 2 });
    emit({ type: 'data', summary, id: 1 });
    expect(loaded).toEqual(['second']);
  });

  it('hands a loaded model\'s spec to the page', () => {
    const { worker, emit } = fakeWorker();
    const bridge = new WorkerBridge(worker, createRunStore(), async () => {});
    const specs: unknown[] = [];
    bridge.onSpecLoaded = (spec) => specs.push(spec);
    bridge.loadModel('{}');
    emit({ type: 'model', json: '{}', spec: DEFAULT_SPEC });
    expect(specs).toEqual([DEFAULT_SPEC]);
  });
});
