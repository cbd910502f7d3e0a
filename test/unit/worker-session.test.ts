import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/core/data/dataset';
import { setLutImplementation } from '../../src/core/lut/op';
import { parseSpec } from '../../src/core/spec/validate';
import { isWorkerRequest, type WorkerEvent, type WorkerRequest } from '../../src/worker/protocol';
import { TrainingSession, type SessionHost } from '../../src/worker/session';
import { simulateAsyncOnlyReads, type AsyncOnlyReads } from './async-reads';

const spec = parseSpec({
  name: 'session-test',
  seed: 7,
  dataset: { source: 'synthetic', task: 'majority', bits: 5 },
  split: { train: 96, test: 32 },
  layers: [{ type: 'LutLinear', out: 8, k: 3, mask: { kind: 'random', fanIn: 4 } }, { type: 'BatchNorm' }, { type: 'Sign' }, { type: 'LutLinear', out: 2, k: 2, mask: { kind: 'minimal' } }],
  batchSize: 32,
  epochs: 2,
  learningRate: 0.05,
});

const cpuOnly: SessionHost['selectBackend'] = async (forced) => ({ active: 'cpu', forced, skipped: [{ backend: 'webgpu', reason: 'no adapter' }] });

function createSession(selectBackend = cpuOnly) {
  const events: WorkerEvent[] = [];
  const session = new TrainingSession({
    post: (event) => events.push(event),
    loadEmbeddedMnist: async (): Promise<Dataset> => {
      throw new Error('not used');
    },
    selectBackend,
  });
  const of = <T extends WorkerEvent['type']>(type: T) => events.filter((e): e is Extract<WorkerEvent, { type: T }> => e.type === type);
  const send = (request: WorkerRequest) => session.handle(request);
  return { session, events, of, send };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
});

describe('worker protocol', () => {
  it('accepts well-formed requests', () => {
    expect(isWorkerRequest({ type: 'init' })).toBe(true);
    expect(isWorkerRequest({ type: 'init', backend: 'wasm' })).toBe(true);
    expect(isWorkerRequest({ type: 'play', spec })).toBe(true);
    expect(isWorkerRequest({ type: 'load-model', json: '{}', files: [] })).toBe(true);
  });

  it('rejects malformed requests', () => {
    expect(isWorkerRequest(null)).toBe(false);
    expect(isWorkerRequest({ type: 'eval', code: '1' })).toBe(false);
    expect(isWorkerRequest({ type: 'init', backend: 'cuda' })).toBe(false);
    expect(isWorkerRequest({ type: 'play' })).toBe(false);
    expect(isWorkerRequest({ type: 'load-data', spec })).toBe(false);
  });
});

describe('training session', () => {
  it('reports the selected backend', async () => {
    const { send, of } = createSession();
    await send({ type: 'init', backend: 'cpu' });
    expect(of('backend')[0].report).toEqual({ active: 'cpu', forced: 'cpu', lutImplementation: 'js', lutWebAssembly: true, skipped: [{ backend: 'webgpu', reason: 'no adapter' }] });
  });

  it('reports a forced LUT implementation', async () => {
    const { send, of } = createSession();
    setLutImplementation('reference');
    try {
      await send({ type: 'init' });
    } finally {
      setLutImplementation('auto');
    }
    expect(of('backend')[0].report.lutImplementation).toBe('reference');
  });

  it('loads data and sends a preview', async () => {
    const { send, of } = createSession();
    await send({ type: 'load-data', spec, files: [] });
    const summary = of('data')[0].summary;
    expect(summary).toMatchObject({ name: '5-bit majority', sampleShape: [5], classes: 2, trainCount: 96, testCount: 32 });
    expect(summary.previewLabels.length).toBe(16);
    expect(summary.previewFeatures.length).toBe(80);
  });

  it('keeps the previous data after a bad file', async () => {
    const { send, of } = createSession();
    await send({ type: 'load-data', spec, files: [] });
    const bad = { ...spec, dataset: { source: 'csv' as const, path: 'bad.csv' } };
    await send({ type: 'load-data', spec: bad, files: [{ name: 'bad.csv', bytes: new TextEncoder().encode('a,b,c\n1,x,0\n') }] });
    expect(of('error')[0]).toMatchObject({ request: 'load-data' });
    expect(of('error')[0].message).toMatch(/bad\.csv: line 2, column 2/);
    await send({ type: 'probe' });
    await send({ type: 'step', spec });
    await until(() => of('batch').length === 1, 'one batch');
    expect(of('data')).toHaveLength(1);
  });

  it('steps one batch at a time, pauses, resumes and finishes', async () => {
    const { send, of, session } = createSession();
    await send({ type: 'step', spec });
    await until(() => of('batch').length === 1, 'the first step');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(of('batch')).toHaveLength(1);
    expect(of('state').map((e) => e.state)).toEqual(['paused']);

    await send({ type: 'step', spec });
    await until(() => of('batch').length === 2, 'the second step');
    expect(of('batch')[1].progress).toMatchObject({ epoch: 1, batch: 2, batches: 3 });
    expect(of('batch').map((e) => e.step)).toEqual([1, 2]);

    await send({ type: 'play', spec });
    await session.settled();
    expect(of('state').map((e) => e.state)).toEqual(['paused', 'training', 'done']);
    expect(of('epoch').map((e) => e.metrics.epoch)).toEqual([1, 2]);
    expect(of('epoch')[0].flippedBits).toHaveLength(2);
  });

  it('numbers batches across a continued run', async () => {
    const { send, of, session } = createSession();
    await send({ type: 'play', spec });
    await session.settled();
    // The last batch of each epoch is always sent, and 96 samples in batches of 32 make 3 per epoch.
    expect(of('batch').map((e) => e.step)).toContain(6);
    await send({ type: 'step', spec });
    await until(() => of('batch').length > 0 && of('batch').at(-1)!.progress.epoch === 3, 'the continued step');
    expect(of('batch').at(-1)).toMatchObject({ step: 7, progress: { epoch: 3, batch: 1, batches: 3 } });
  });

  it('keeps the data of a paused run', async () => {
    const { send, of } = createSession();
    await send({ type: 'step', spec });
    await until(() => of('batch').length === 1, 'one batch');
    await send({ type: 'load-data', spec: { ...spec, split: { train: 64, test: 32 } }, files: [], id: 9 });
    expect(of('error')[0]).toMatchObject({ request: 'load-data', id: 9 });
    expect(of('error')[0].message).toMatch(/stop or reset the run first/);
    await send({ type: 'reset' });
    await send({ type: 'load-data', spec: { ...spec, split: { train: 64, test: 32 } }, files: [], id: 10 });
    expect(of('data').at(-1)).toMatchObject({ id: 10, summary: { trainCount: 64 } });
  });

  it('stops a run and keeps its model for export', async () => {
    const { send, of, session } = createSession();
    await send({ type: 'step', spec });
    await until(() => of('batch').length === 1, 'one batch');
    await send({ type: 'stop' });
    await session.settled();
    expect(of('state').at(-1)?.state).toBe('stopped');
    await send({ type: 'export' });
    const exported = of('export')[0];
    expect(exported.files.map(([name]) => name)).toContain('deeplut_top.v');
    expect(exported.zip[0]).toBe(0x50);
  });

  it('saves and reloads model.json', async () => {
    const first = createSession();
    await first.send({ type: 'play', spec });
    await first.session.settled();
    await first.send({ type: 'save-model' });
    const saved = first.of('model')[0];
    await first.send({ type: 'netlist' });

    const second = createSession();
    await second.send({ type: 'load-model', json: saved.json, files: [] });
    expect(second.of('model')[0].spec).toEqual(spec);
    expect(second.of('state').at(-1)?.state).toBe('stopped');
    await second.send({ type: 'netlist' });
    expect(second.of('netlist')[0].netlist.layers[0].truthTables).toEqual(first.of('netlist')[0].netlist.layers[0].truthTables);
  });

  it('reports errors with the request type', async () => {
    const { send, of } = createSession();
    await send({ type: 'export' });
    await send({ type: 'load-model', json: '{not json', files: [] });
    expect(of('error').map((e) => e.request)).toEqual(['export', 'load-model']);
    expect(of('error')[0].message).toMatch(/no data is loaded|no model yet/);
    expect(of('error')[1].message).toMatch(/model.json is not valid JSON/);
  });
});

describe('training session with asynchronous reads only', () => {
  // The engine reads as the webgpu backend does in headless Chromium. Synchronous reads fail, and
  // asynchronous ones resolve in a later task. The 'js' LUT kernels read synchronously, so these
  // tests use the reference op, which does not.
  const memorizeSpec = parseSpec({ ...spec, layers: spec.layers.map((layer) => (layer.type === 'LutLinear' ? { ...layer, init: 'memorize' } : layer)), epochs: 3 });
  let reads: AsyncOnlyReads;

  beforeEach(() => {
    setLutImplementation('reference');
    reads = simulateAsyncOnlyReads();
  });
  afterEach(() => {
    reads.restore();
    setLutImplementation('auto');
  });

  it('trains, inspects, exports and saves', async () => {
    const { send, of, session, events } = createSession();
    await send({ type: 'init' });
    expect(of('backend')[0].report.lutImplementation).toBe('reference');
    await send({ type: 'probe' });
    expect(of('probe')[0]).toEqual({ type: 'probe', backend: 'cpu', sum: 512 });

    await send({ type: 'play', spec: memorizeSpec });
    await session.settled();
    expect(of('error')).toEqual([]);
    expect(of('state').map((e) => e.state)).toEqual(['training', 'done']);
    const history = of('epoch').map((e) => e.metrics);
    expect(history.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(history.at(-1)!.testAccuracy).toBeGreaterThan(0.6);
    expect(of('epoch')[0].flippedBits).toHaveLength(2);

    await send({ type: 'netlist' });
    await send({ type: 'export' });
    await send({ type: 'save-model' });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(of('netlist')[0].netlist.layers).toHaveLength(2);
    expect(of('export')[0].testAccuracy).toBe(history.at(-1)!.testAccuracy);
    const saved = JSON.parse(of('model')[0].json);
    expect(saved.metrics.history).toHaveLength(3);
  });

  it('runs model requests between batches while training', async () => {
    const { send, of, session } = createSession();
    // Plain SGD with a large step flips many table entries in every batch, and 600 test samples
    // take two reads to evaluate. An export that read the model across a batch would therefore
    // find its netlist disagreeing with the model's inference.
    const busy = parseSpec({ ...memorizeSpec, epochs: 10, optimizer: 'sgd', learningRate: 1, split: { train: 96, test: 600 } });
    await send({ type: 'play', spec: busy });
    await send({ type: 'export' });
    await until(() => of('batch').length > 0, 'a batch');
    for (let i = 0; i < 4; i++) {
      await send({ type: 'export' });
      await send({ type: 'netlist' });
      await send({ type: 'save-model' });
    }
    expect(of('state').map((e) => e.state)).toEqual(['training']);
    await session.settled();
    expect(of('error')).toEqual([]);
    expect(of('export')).toHaveLength(5);
    expect(of('netlist')).toHaveLength(4);
    expect(of('model')).toHaveLength(4);
    expect(of('state').map((e) => e.state)).toEqual(['training', 'done']);
  });

  it('moves the model to a newly selected backend', async () => {
    const { send, of } = createSession(async (forced) => {
      const active = forced ?? 'cpu';
      await tf.setBackend(active);
      return { active, forced, skipped: [] };
    });
    try {
      await send({ type: 'init', backend: 'cpu' });
      await send({ type: 'step', spec: memorizeSpec });
      await until(() => of('batch').length === 1, 'one batch');
      await send({ type: 'netlist' });

      // The reference LUT op trains only on cpu, because the wasm backend lacks the gradient of
      // gather, but it runs inference on wasm.
      await send({ type: 'init', backend: 'wasm' });
      expect(of('error')).toEqual([]);
      expect(tf.getBackend()).toBe('wasm');
      expect(of('backend').at(-1)!.report).toMatchObject({ active: 'wasm', lutImplementation: 'reference' });
      expect(of('state').at(-1)!.state).toBe('stopped');
      await send({ type: 'netlist' });
      await send({ type: 'export' });
      expect(of('error')).toEqual([]);
      expect(of('netlist')[1].netlist).toEqual(of('netlist')[0].netlist);
      expect(of('export')).toHaveLength(1);
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
