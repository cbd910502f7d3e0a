/**
 * Benchmark of inference on a spec's test split: samples/s of the model's binary float
 * inference (`evaluate` with the exportable semantics) beside the bit-sliced netlist simulator,
 * on the same inputs. Each figure is the median of several repetitions.
 *
 *     npx tsx src/cli/bench-inference.ts examples/lfc-mnist.json [--model runs/<run>/model.json] [--backend wasm] [--reps 5]
 *
 * Without --model the spec's untrained model is used: the simulator's work depends on the
 * netlist's shape, not on the trained values.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadEmbeddedMnist, readIdxPair } from '../core/data/node';
import { signEncodeBits } from '../core/data/encoders';
import { modelToNetlist } from '../core/hardware/from-model';
import { simulateNetlist } from '../core/hardware/simulate';
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

  process.stdout.write('| inference | backend | samples | samples/s |\n|---|---|---|---|\n');
  process.stdout.write(`| model, binary float inference (evaluate) | ${backend} | ${test.count} | ${floatRate.toFixed(0)} |\n`);
  process.stdout.write(`| netlist simulator (bit-sliced) | - | ${test.count} | ${simulatorRate.toFixed(0)} |\n`);
  process.stdout.write(`simulator / float inference: ${(simulatorRate / floatRate).toFixed(1)}x\n`);
  model.dispose();
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
