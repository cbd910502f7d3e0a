/**
 * Benchmark of inference on a spec's test split: samples/s of the model's binary float
 * inference (`evaluate` with the exportable semantics) beside the bit-sliced netlist simulator,
 * on the same inputs. Each figure is the median of several repetitions.
 *
 * The model's inference runs twice: with the LUT op's fast typed-array kernel, and with the
 * reference composition of tfjs ops, the formulation of the field's PyTorch libraries. The
 * reference materialises [batch, tables, k, 2^k] floats, so it runs on the first
 * --reference-samples test samples, two at a time, on the cpu backend.
 *
 *     npm run bench:inference -- examples/lfc-mnist.json [--model runs/<run>/model.json] [--backend wasm] [--reps 5] [--reference-samples 8]
 *
 * Without --model the spec's untrained model is used: the simulator's work depends on the
 * netlist's shape, not on the trained values.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Dataset } from '../core/data/dataset';
import { loadEmbeddedMnist, readIdxPair } from '../core/data/node';
import { signEncodeBits } from '../core/data/encoders';
import { modelToNetlist } from '../core/hardware/from-model';
import { simulateNetlist, simulatorUsesWasm } from '../core/hardware/simulate';
import { setLutImplementation } from '../core/lut/op';
import { parseSpecJson } from '../core/spec/validate';
import { loadCheckpoint } from '../core/train/checkpoint';
import { loadSpecData } from '../core/train/data';
import { evaluate } from '../core/train/evaluate';
import { buildModel } from '../core/train/model';
import { useBackend } from './backend';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function timeMedian(reps: number, run: () => unknown): Promise<number> {
  await run();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return median(times);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      reps: { type: 'string', default: '5' },
      'reference-samples': { type: 'string', default: '8' },
    },
  });
  const specPath = positionals[0];
  if (!specPath) throw new Error('missing the spec path: npx tsx src/cli/bench-inference.ts <spec.json> [--model model.json]');
  const backend = await useBackend(values.backend!);
  const reps = Number(values.reps);

  const spec = parseSpecJson(readFileSync(specPath, 'utf8'), specPath);
  const sources = {
    embeddedMnist: loadEmbeddedMnist,
    idxPair: (images: string, labels: string, classes?: number) => readIdxPair(images, labels, { classes }),
  };
  const data = loadSpecData(spec, sources);
  const { model, inputShape } = values.model
    ? loadCheckpoint(JSON.parse(readFileSync(values.model, 'utf8')), values.model)
    : { model: buildModel(spec, data.train.featureCount, data.train.classes), inputShape: data.train.sampleShape };

  const test = data.test;
  const netlist = await modelToNetlist(model, inputShape);
  const vectors = signEncodeBits(test.features, model.spec.encoder.threshold);

  const floatMs = await timeMedian(reps, () => evaluate(model, test, { binary: true }));
  const simulatorMs = await timeMedian(reps, () => simulateNetlist(netlist, vectors, test.count));
  const floatRate = (test.count * 1000) / floatMs;
  const simulatorRate = (test.count * 1000) / simulatorMs;

  const referenceCount = Math.min(test.count, Number(values['reference-samples']));
  const subset: Dataset = { ...test, count: referenceCount, features: test.features.subarray(0, referenceCount * test.featureCount), labels: test.labels.subarray(0, referenceCount) };
  await useBackend('cpu');
  setLutImplementation('reference');
  const referenceMs = await timeMedian(1, () => evaluate(model, subset, { binary: true, batchSize: 2 }));
  setLutImplementation('auto');
  const referenceRate = (referenceCount * 1000) / referenceMs;

  process.stdout.write('| inference | backend | samples | samples/s | simulator speed-up |\n|---|---|---|---|---|\n');
  const slicing = simulatorUsesWasm() ? '128 samples per WebAssembly vector' : '32 samples per word';
  process.stdout.write(`| netlist simulator (bit-sliced, ${slicing}) | - | ${test.count} | ${simulatorRate.toFixed(0)} | 1 |\n`);
  process.stdout.write(`| model, binary float inference, fast LUT kernel | ${backend} | ${test.count} | ${floatRate.toFixed(0)} | ${(simulatorRate / floatRate).toFixed(1)}x |\n`);
  process.stdout.write(`| model, binary float inference, reference composition | cpu | ${referenceCount} | ${referenceRate.toPrecision(3)} | ${(simulatorRate / referenceRate).toFixed(0)}x |\n`);
  model.dispose();
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
