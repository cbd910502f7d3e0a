import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticDataset } from '../../src/core/data/synthetic';
import { parseSpec } from '../../src/core/spec/validate';
import { train } from '../../src/core/train/loop';
import { buildModel } from '../../src/core/train/model';

const spec = parseSpec({ seed: 2, layers: [{ type: 'LutLinear', out: 2, k: 2 }], batchSize: 16, epochs: 2 });
const all = syntheticDataset({ task: 'parity', bits: 4, count: 64, seed: 'hook' });
const data = { train: { ...all, count: 48, features: all.features.slice(0, 48 * 4), labels: all.labels.slice(0, 48) }, test: { ...all, count: 16, features: all.features.slice(48 * 4), labels: all.labels.slice(48) } };

beforeAll(async () => {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
});

describe('training loop beforeBatch hook', () => {
  it('runs before every batch', async () => {
    const model = buildModel(spec, 4, 2);
    const order: string[] = [];
    await train(model, data, { beforeBatch: () => void order.push('hook'), onBatch: (p) => order.push(`batch ${p.epoch}.${p.batch}`) });
    expect(order).toEqual(['hook', 'batch 1.1', 'hook', 'batch 1.2', 'hook', 'batch 1.3', 'hook', 'batch 2.1', 'hook', 'batch 2.2', 'hook', 'batch 2.3']);
    model.dispose();
  });

  it('holds training while its promise is pending', async () => {
    const model = buildModel(spec, 4, 2);
    let release!: () => void;
    let calls = 0;
    let batches = 0;
    const done = train(model, data, {
      beforeBatch: () => {
        calls++;
        return calls === 2 ? new Promise<void>((resolve) => (release = resolve)) : undefined;
      },
      onBatch: () => batches++,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(batches).toBe(1);
    release();
    await done;
    expect(batches).toBe(6);
    model.dispose();
  });

  it('stops when the signal aborts during the hook', async () => {
    const model = buildModel(spec, 4, 2);
    const stop = new AbortController();
    let batches = 0;
    const result = await train(model, data, {
      signal: stop.signal,
      beforeBatch: () => {
        if (batches === 2) stop.abort();
      },
      onBatch: () => batches++,
    });
    expect(batches).toBe(2);
    expect(result.history).toHaveLength(1);
    model.dispose();
  });
});
