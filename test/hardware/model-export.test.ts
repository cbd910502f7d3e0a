import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIverilog } from '../../src/cli/simulate';
import type { DataSplit } from '../../src/core/data/dataset';
import { signEncodeBits } from '../../src/core/data/encoders';
import { loadEmbeddedMnist, readIdxPair } from '../../src/core/data/node';
import { exportModel } from '../../src/core/hardware/export';
import { simulateNetlist } from '../../src/core/hardware/simulate';
import { parseSpec } from '../../src/core/spec/validate';
import { loadSpecData } from '../../src/core/train/data';
import { evaluate } from '../../src/core/train/evaluate';
import { train } from '../../src/core/train/loop';
import { buildModel, type Model } from '../../src/core/train/model';

const sources = { embeddedMnist: loadEmbeddedMnist, idxPair: (a: string, b: string, c?: number) => readIdxPair(a, b, { classes: c }) };
const folders: string[] = [];

/**
 * A small network that uses every exportable feature: a BinaryLinear layer, an expanded
 * LutLinear trained through LUTNet's two phases, a minimal mask with binarized table outputs
 * and a random fan-in output layer.
 */
const spec = parseSpec({
  seed: 'export',
  split: { train: 1200, test: 400 },
  layers: [
    { type: 'Flatten' },
    { type: 'BinaryLinear', out: 32 },
    { type: 'BatchNorm' },
    { type: 'Sign' },
    { type: 'LutLinear', out: 24, k: 4 },
    { type: 'BatchNorm' },
    { type: 'Sign' },
    { type: 'LutLinear', out: 20, k: 3, mask: { kind: 'minimal' }, binarization: 3 },
    { type: 'BatchNorm' },
    { type: 'LutLinear', out: 10, k: 5, mask: { kind: 'random', fanIn: 9 } },
  ],
  phases: [{ epochs: 1, inputExpanded: false }, { epochs: 2, inputExpanded: true }],
  learningRate: 0.01,
  batchSize: 100,
});

let data: DataSplit;
let model: Model;

beforeAll(async () => {
  await tf.setBackend('wasm');
  data = loadSpecData(spec, sources);
  model = buildModel(spec, 784, 10);
  await train(model, data);
});

afterAll(() => {
  model.dispose();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function writeFolder(files: Map<string, string | Uint8Array>): string {
  const folder = mkdtempSync(join(tmpdir(), 'deeplut-export-'));
  folders.push(folder);
  for (const [name, contents] of files) writeFileSync(join(folder, name), contents);
  return folder;
}

describe('trained model export', () => {
  it('netlist simulator equals the binary model on the whole test split', async () => {
    const reference = await evaluate(model, data.test, { binary: true });
    expect(reference.accuracy).toBeGreaterThan(0.5);
    const exported = await exportModel(model, [28, 28], data.test, { registered: false });
    const simulated = simulateNetlist(exported.netlist, signEncodeBits(data.test.features, 127), data.test.count);
    expect(Array.from(simulated.predictions)).toEqual(Array.from(reference.predictions));
    // The class scores are the popcounts behind the model's logits: 2 * popcount - n = logit / |gamma|.
    const n = exported.netlist.layers[3].tablesPerNeuron;
    const gamma = Math.abs(model.lutLayers()[2].gamma.dataSync()[0]);
    for (let i = 0; i < 50; i++) expect(Math.fround((2 * simulated.scores[i] - n) * gamma)).toBe(reference.logits[i]);
  });

  it.each([false, true])('iverilog matches every test sample, registered %s', async (registered) => {
    const exported = await exportModel(model, [28, 28], data.test, { registered });
    const result = await runIverilog(writeFolder(exported.files));
    expect(result.summary).toMatch(/^samples=400 mismatches=0/);
    expect(result.passed).toBe(true);
    expect(result.accuracy).toBeCloseTo(exported.testAccuracy, 4);
  });

  it('verilator lint is clean on the exported modules', async () => {
    const exported = await exportModel(model, [28, 28], data.test, { registered: true });
    const folder = writeFolder(exported.files);
    const modules = [...exported.files.keys()].filter((name) => name.endsWith('.v') && name !== 'deeplut_tb.v');
    const lint = spawnSync('verilator', ['--lint-only', '-Wall', '--top-module', 'deeplut_top', ...modules], { cwd: folder, encoding: 'utf8' });
    if (lint.error) throw new Error('verilator not found; install it with: apt-get install verilator');
    expect(`${lint.stdout}${lint.stderr}`).toBe('');
    expect(lint.status).toBe(0);
  });

  it('testbench fails when one expected class is flipped', async () => {
    const exported = await exportModel(model, [28, 28], data.test, { registered: false });
    const files = new Map(exported.files);
    const lines = (files.get('expected.hex') as string).split('\n');
    lines[17] = ((parseInt(lines[17], 16) + 1) % 10).toString(16);
    files.set('expected.hex', lines.join('\n'));
    const result = await runIverilog(writeFolder(files));
    expect(result.passed).toBe(false);
    expect(result.mismatches).toBe(1);
  });
});
