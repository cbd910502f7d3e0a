import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSplit } from '../../src/core/data/dataset';
import { loadEmbeddedMnist, readIdxPair } from '../../src/core/data/node';
import { CheckpointError } from '../../src/core/errors';
import { memorizeLayer } from '../../src/core/initializers/memorize';
import { LutLinear } from '../../src/core/layers/lut-linear';
import { setLutImplementation } from '../../src/core/lut/op';
import { Random } from '../../src/core/random';
import { parseSpec } from '../../src/core/spec/validate';
import { loadCheckpoint, saveCheckpoint } from '../../src/core/train/checkpoint';
import { loadSpecData } from '../../src/core/train/data';
import { evaluate } from '../../src/core/train/evaluate';
import { train } from '../../src/core/train/loop';
import { buildModel } from '../../src/core/train/model';
import { simulateAsyncOnlyReads } from './async-reads';

const sources = { embeddedMnist: loadEmbeddedMnist, idxPair: (a: string, b: string, c?: number) => readIdxPair(a, b, { classes: c }) };

function smallSpec(overrides: Record<string, unknown> = {}) {
  return parseSpec({
    seed: 'unit',
    split: { train: 384, test: 128 },
    layers: [
      { type: 'Flatten' },
      { type: 'BinaryLinear', out: 24 },
      { type: 'BatchNorm' },
      { type: 'Sign' },
      { type: 'LutLinear', out: 16, k: 3 },
      { type: 'BatchNorm' },
      { type: 'Sign' },
      { type: 'LutLinear', out: 10, k: 2, mask: { kind: 'random', fanIn: 12 } },
    ],
    learningRate: 0.01,
    batchSize: 64,
    epochs: 2,
    ...overrides,
  });
}

let data: DataSplit;

beforeAll(async () => {
  await tf.setBackend('cpu');
  data = loadSpecData(smallSpec(), sources);
});

describe('reproducibility', () => {
  it('same spec and seed give the same masks, weights and metrics', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const model = buildModel(smallSpec(), 784, 10);
      const initial = await saveCheckpoint(model, [28, 28]);
      const result = await train(model, data);
      runs.push({ initial, final: await saveCheckpoint(model, [28, 28]), history: result.history.map(({ seconds, samplesPerSecond, ...rest }) => rest) });
      model.dispose();
    }
    expect(runs[1].initial.layers).toEqual(runs[0].initial.layers);
    expect(runs[1].history).toEqual(runs[0].history);
    expect(runs[1].final.layers).toEqual(runs[0].final.layers);
  });

  it('another seed gives other masks', () => {
    const a = buildModel(smallSpec(), 784, 10);
    const b = buildModel(smallSpec({ seed: 'other' }), 784, 10);
    expect((a.layers[4] as LutLinear).mask).not.toEqual((b.layers[4] as LutLinear).mask);
    a.dispose();
    b.dispose();
  });
});

describe('training', () => {
  it('learns above chance and leaks no tensors', async () => {
    const model = buildModel(smallSpec({ epochs: 4 }), 784, 10);
    const result = await train(model, data);
    const tensors = result.history.map((m) => m.tensors);
    expect(new Set(tensors).size).toBe(1);
    expect(result.trainAccuracy).toBeGreaterThan(0.5);
    expect(result.testAccuracy).toBeGreaterThan(0.4);
    model.dispose();
  });

  it('two-phase recipe expands without changing the outputs', async () => {
    const spec = smallSpec({ phases: [{ epochs: 1, inputExpanded: false }, { epochs: 1, inputExpanded: true }] });
    const model = buildModel(spec, 784, 10);
    const lutLayers = model.lutLayers();
    expect(lutLayers.every((l) => !l.inputExpanded)).toBe(true);
    expect(lutLayers[0].weights.shape).toEqual([16 * 24, 1]);

    await train(model, data, {});
    expect(lutLayers.every((l) => l.inputExpanded)).toBe(true);
    expect(lutLayers[0].weights.shape).toEqual([16 * 24, 8]);

    // Expansion on its own keeps every output of the binary model.
    const fresh = buildModel(spec, 784, 10);
    const before = (await evaluate(fresh, data.test, { binary: true })).logits;
    for (const layer of fresh.lutLayers()) layer.expand();
    const after = (await evaluate(fresh, data.test, { binary: true })).logits;
    expect(after).toEqual(before);
    model.dispose();
    fresh.dispose();
  });
});

describe('expansion', () => {
  it('sets each entry to the latent weight times s_p,0', async () => {
    const spec = smallSpec({ phases: [{ epochs: 1, inputExpanded: false }, { epochs: 1, inputExpanded: true }] });
    const model = buildModel(spec, 784, 10);
    const layer = model.lutLayers()[0];
    const latent = Float32Array.from(await layer.weights.data());
    latent[0] = 0;
    latent[1] = -0.5;
    layer.weights.assign(tf.tensor2d(latent, [latent.length, 1]));

    layer.expand();
    const entries = await layer.weights.data();
    expect(layer.weights.shape).toEqual([latent.length, 8]);
    for (let t = 0; t < latent.length; t++) {
      for (let p = 0; p < 8; p++) expect(Object.is(entries[t * 8 + p], p & 1 ? latent[t] : -latent[t]), `table ${t}, entry ${p}`).toBe(true);
    }
    model.dispose();
  });
});

describe('asynchronous reads', () => {
  // The 'js' LUT kernels read with dataSync by design, and the reference composition reads
  // nothing. It is slow on cpu for wide layers, so these tests train a small synthetic task.
  const syntheticSpec = (layers: unknown[]) =>
    parseSpec({ seed: 'async', dataset: { source: 'synthetic', task: 'majority', bits: 8 }, split: { train: 384, test: 128 }, layers, learningRate: 0.05, batchSize: 64, epochs: 2 });
  const hiddenLayers = [{ type: 'LutLinear', out: 16, k: 3, init: 'memorize' }, { type: 'BatchNorm' }, { type: 'Sign' }];
  let synthetic: DataSplit;

  beforeAll(() => {
    setLutImplementation('reference');
    synthetic = loadSpecData(syntheticSpec([{ type: 'LutLinear', out: 2, k: 2 }]), sources);
  });
  afterAll(() => setLutImplementation('auto'));

  it('train reads once per batch, never synchronously', async () => {
    const spec = syntheticSpec([...hiddenLayers, { type: 'LutLinear', out: 2, k: 2, mask: { kind: 'random', fanIn: 8 } }]);
    const plain = buildModel(spec, 8, 2);
    const expected = await train(plain, synthetic);
    const expectedCheckpoint = await saveCheckpoint(plain, [8]);
    plain.dispose();

    const model = buildModel(spec, 8, 2);
    const reads = simulateAsyncOnlyReads();
    let result;
    let trainingReads;
    let checkpoint;
    try {
      result = await train(model, synthetic);
      trainingReads = reads.count;
      checkpoint = await saveCheckpoint(model, [8]);
    } finally {
      reads.restore();
    }
    // Memorize reads the 384 samples once. Each epoch has 6 batches of 64, one read each, and
    // two evaluations of the 128 test samples. The final evaluations of the train and test
    // splits read once each, because evaluation reads once per 500 samples.
    expect(trainingReads).toBe(1 + 2 * (6 + 2) + 2);
    const withoutTimes = (history: typeof result.history) => history.map(({ seconds, samplesPerSecond, ...rest }) => rest);
    expect(withoutTimes(result.history)).toEqual(withoutTimes(expected.history));
    expect(result.testAccuracy).toBe(expected.testAccuracy);
    expect(result.testAccuracy).toBeGreaterThan(0.7);
    expect(checkpoint).toEqual(expectedCheckpoint);
    model.dispose();
  });

  it('memorize gives the same tables without synchronous reads', async () => {
    const spec = syntheticSpec([...hiddenLayers, { type: 'LutLinear', out: 2, k: 2, mask: { kind: 'random', fanIn: 8 }, init: 'memorize' }]);
    const plain = buildModel(spec, 8, 2);
    await memorizeLayer(plain, 3, synthetic.train, new Random('memorize'));
    const expected = Array.from(await (plain.layers[3] as LutLinear).weights.data());
    plain.dispose();

    const model = buildModel(spec, 8, 2);
    const reads = simulateAsyncOnlyReads();
    try {
      await memorizeLayer(model, 3, synthetic.train, new Random('memorize'));
    } finally {
      reads.restore();
    }
    expect(reads.count).toBe(1);
    expect(Array.from(await (model.layers[3] as LutLinear).weights.data())).toEqual(expected);
    model.dispose();
  });
});

describe('memorize initializer', () => {
  it('sets each entry to the sign of its vote count', async () => {
    // One LutLinear layer over 3 input bits with the minimal mask and k = 2: neuron j has
    // tables reading (x0, x1) and (x2, x0). Two classes, so neuron j targets class j.
    const spec = parseSpec({ seed: 1, layers: [{ type: 'LutLinear', out: 2, k: 2, mask: { kind: 'minimal' }, init: 'memorize' }], encoder: { threshold: 127 } });
    const model = buildModel(spec, 3, 2);
    const features = new Uint8Array([255, 0, 0, 255, 255, 0, 0, 0, 255]);
    const labels = new Uint8Array([0, 0, 1]);
    const dataset = { name: 'hand', sampleShape: [3], featureCount: 3, count: 3, features, labels, classes: 2 };
    await memorizeLayer(model, 0, dataset, new Random('tie'));

    // Samples as bits (x0, x1, x2): (1,0,0) class 0, (1,1,0) class 0, (0,0,1) class 1.
    // Neuron 0 (class 0): positives weigh 1/2 = 0.5, negatives -1.
    //   table (x0,x1): address 1 -> +0.5, address 3 -> +0.5, address 0 -> -1.
    //   table (x2,x0): addresses (x2 + 2 x0): 2 -> +0.5 twice, 1 -> -1.
    // Neuron 1 (class 1): positives weigh 2/1 = 2.
    //   table (x0,x1): address 1 -> -1, 3 -> -1, 0 -> +2.  table (x2,x0): 2 -> -2, 1 -> +2.
    const entries = Array.from((model.layers[0] as LutLinear).weights.dataSync());
    const rows = [entries.slice(0, 4), entries.slice(4, 8), entries.slice(8, 12), entries.slice(12, 16)];
    expect([rows[0][0], rows[0][1], rows[0][3]]).toEqual([-1, 1, 1]);
    expect([rows[1][1], rows[1][2]]).toEqual([-1, 1]);
    expect([rows[2][0], rows[2][1], rows[2][3]]).toEqual([1, -1, -1]);
    expect([rows[3][1], rows[3][2]]).toEqual([1, -1]);
    // Unseen addresses are ties, broken by the seeded coin: still ±1, never 0.
    for (const [row, address] of [[0, 2], [1, 0], [1, 3], [2, 2], [3, 0], [3, 3]]) expect(Math.abs(rows[row][address])).toBe(1);
    model.dispose();
  });
});

describe('continued training', () => {
  it('skips memorize when initialize is false', async () => {
    const spec = smallSpec({ layers: [{ type: 'Flatten' }, { type: 'LutLinear', out: 10, k: 2, mask: { kind: 'random', fanIn: 8 }, init: 'memorize' }] });
    const model = buildModel(spec, 784, 10);
    const layer = model.layers[1] as LutLinear;
    const stopped = new AbortController();
    stopped.abort();

    const trained = new Float32Array(layer.weights.size).fill(0.25);
    layer.setEntries(trained);
    await train(model, data, { signal: stopped.signal, initialize: false });
    expect(Array.from(layer.weights.dataSync())).toEqual(Array.from(trained));

    await train(model, data, { signal: stopped.signal });
    expect(Array.from(layer.weights.dataSync()).every((v) => v === 1 || v === -1)).toBe(true);
    model.dispose();
  });
});

describe('checkpoint', () => {
  it('round trip reproduces the outputs', async () => {
    const model = buildModel(smallSpec({ epochs: 1 }), 784, 10);
    await train(model, data);
    const json = JSON.parse(JSON.stringify(await saveCheckpoint(model, [28, 28], { note: 'unit' })));
    const loaded = loadCheckpoint(json);
    expect(loaded.metrics).toEqual({ note: 'unit' });
    expect((await evaluate(loaded.model, data.test, { binary: true })).logits).toEqual((await evaluate(model, data.test, { binary: true })).logits);
    expect((await evaluate(loaded.model, data.test, { binary: false })).logits).toEqual((await evaluate(model, data.test, { binary: false })).logits);
    model.dispose();
    loaded.model.dispose();
  });

  it('rejects corrupt and foreign files', async () => {
    const model = buildModel(smallSpec(), 784, 10);
    const json = await saveCheckpoint(model, [28, 28]);
    model.dispose();
    expect(() => loadCheckpoint({ ...json, version: 7 })).toThrow(new CheckpointError('model.json has version 7; this DeepLUT reads version 1'));
    expect(() => loadCheckpoint({ hello: 1 })).toThrow(/not a DeepLUT model/);
    const truncated = structuredClone(json);
    truncated.layers[1].arrays.weights.base64 = truncated.layers[1].arrays.weights.base64.slice(0, 100);
    expect(() => loadCheckpoint(truncated)).toThrow(/layers\[1\] BinaryLinear\.weights: shape \[784, 24\] needs 75264 bytes, the data has 75/);
    const badVariance = structuredClone(json);
    const variance = new Float32Array(24).fill(1);
    variance[3] = -2;
    badVariance.layers[2].arrays.movingVariance.base64 = Buffer.from(variance.buffer).toString('base64');
    expect(() => loadCheckpoint(badVariance)).toThrow('model.json: layers[2] BatchNorm: saved movingVariance[3] is -2; a variance cannot be negative');
  });
});
