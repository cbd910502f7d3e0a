import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { loadEmbeddedMnist, readCsv, readIdxPair } from '../core/data/node';
import { DeepLutError, ExportError, SpecError } from '../core/errors';
import type { BundleFiles } from '../core/hardware/bundle';
import { exportModel } from '../core/hardware/export';
import { modelToNetlist } from '../core/hardware/from-model';
import { lutThreadStats } from '../core/lut/pool';
import type { Spec } from '../core/spec/schema';
import { parseSpecJson } from '../core/spec/validate';
import { loadCheckpoint, saveCheckpoint } from '../core/train/checkpoint';
import { loadSpecData } from '../core/train/data';
import { train } from '../core/train/loop';
import { buildModel, type Model } from '../core/train/model';
import { useBackend } from './backend';
import { ProgressPrinter } from './progress';
import { runIverilog } from './simulate';
import { defaultLutThreads, startLutThreads } from './threads';

const USAGE = `DeepLUT: train lookup-table networks and export them as verified Verilog.

Usage:
  deeplut train <spec.json> [options]    train, then write a new run folder with metrics.json,
                                          model.json and the Verilog bundle (folder and .zip)
  deeplut export <model.json> [options]  write the Verilog bundle of a saved model again
  deeplut bench <spec.json> [options]    time training batches of a spec and report samples/s
                                          and peak memory (resident set size)

Options:
  --backend <wasm|cpu>  tfjs backend (default wasm, the fastest here)
  --threads <n>         helper threads for the LUT kernels, 0 to 7 (default: one per core;
                        0 runs them on the main thread alone; results are the same for any n)
  --runs <dir>          folder that receives run folders (train; default ./runs)
  --out <dir>           folder in which export creates the new bundle folder and .zip
                        (default: the folder of model.json)
  --registered          register each layer's outputs (one clock cycle of latency per layer)
  --simulate            run the bundle's testbench under Icarus Verilog after writing it
  --batches <n>         batches to time (bench; default 20, after 2 untimed warm-up batches)
  -h, --help            show this help
`;

/** Reads a file the user named, with one-line errors for a missing path or a folder. */
function readInputFile(path: string, what: string): string {
  if (!existsSync(path)) throw new DeepLutError(`${what} file not found: ${path}`);
  if (!statSync(path).isFile()) throw new DeepLutError(`${path} is not a file; pass the path of the ${what} JSON file`);
  return readFileSync(path, 'utf8');
}

/** Checks that an output folder option names a folder or a path that does not exist yet. */
function checkOutputFolder(path: string, option: string): void {
  if (existsSync(path) && !statSync(path).isDirectory()) throw new DeepLutError(`${option} ${path} is a file, not a folder; choose a folder`);
}

/** Creates a new folder `base`, or `base-2`, `base-3`, ... when taken: an old run is never touched. */
function createFreshFolder(base: string): string {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (existsSync(candidate)) continue;
    mkdirSync(candidate, { recursive: false });
    return candidate;
  }
}

function timestamp(date = new Date()): string {
  const pad = (v: number) => String(v).padStart(2, '0');
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}

/** Makes the spec's IDX and CSV paths absolute (relative to the spec file), so model.json works from any folder. */
function resolveDataPaths(spec: Spec, specDir: string): Spec {
  const d = spec.dataset;
  if (d.source === 'csv') return { ...spec, dataset: { ...d, path: resolve(specDir, d.path) } };
  if (d.source !== 'idx') return spec;
  const optional = (path: string | undefined) => (path === undefined ? undefined : resolve(specDir, path));
  return {
    ...spec,
    dataset: {
      ...d,
      trainImages: resolve(specDir, d.trainImages),
      trainLabels: resolve(specDir, d.trainLabels),
      testImages: optional(d.testImages),
      testLabels: optional(d.testLabels),
    },
  };
}

const dataSources = {
  embeddedMnist: loadEmbeddedMnist,
  idxPair: (images: string, labels: string, classes?: number) => readIdxPair(images, labels, { classes }),
  csv: (path: string, labelColumn?: number | string, classes?: number) => readCsv(path, { labelColumn, classes }),
};

/**
 * Writes the bundle as a folder and a zip beside it. Everything goes to a temporary folder
 * first and is renamed into place, so a failure leaves no half-written bundle.
 */
function writeBundle(parent: string, name: string, files: BundleFiles, zip: Uint8Array): string {
  const folder = join(parent, name);
  const staging = join(parent, `.${name}.partial`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  for (const [file, content] of files) writeFileSync(join(staging, file), content);
  renameSync(staging, folder);
  writeFileSync(join(parent, `${name}.zip`), zip);
  return folder;
}

function report(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function simulateIfRequested(folder: string, requested: boolean): Promise<void> {
  if (!requested) return;
  report(`simulating ${folder} under Icarus Verilog; a network of thousands of tables takes minutes`);
  const result = await runIverilog(folder);
  report(`iverilog: ${result.summary}`);
  if (!result.passed) throw new DeepLutError(`the testbench failed under Icarus Verilog: ${result.summary}`);
}

async function commandTrain(specPath: string, options: { backend: string; runs: string; registered: boolean; simulate: boolean }): Promise<void> {
  const spec = resolveDataPaths(parseSpecJson(readInputFile(specPath, 'spec'), specPath), dirname(resolve(specPath)));
  checkOutputFolder(options.runs, '--runs');
  const backend = await useBackend(options.backend);
  const data = loadSpecData(spec, dataSources);
  const model = buildModel(spec, data.train.featureCount, data.train.classes);
  report(`${spec.name}: ${model.layers.length} layers, ${data.train.count} train / ${data.test.count} test samples of ${data.train.name}, backend ${backend}, ${lutThreadStats().helpers} helper threads`);
  try {
    await modelToNetlist(model, data.train.sampleShape);
  } catch (error) {
    if (!(error instanceof ExportError)) throw error;
    process.stderr.write(`warning: this network cannot be exported to Verilog: ${error.message}. Training goes on and saves model.json.\n`);
  }

  const progress = new ProgressPrinter();
  let peakRss = process.memoryUsage().rss;
  const result = await train(model, data, {
    onBatch: (p) => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      progress.batch(p);
    },
    onEpoch: (m) => progress.epoch(m),
  });
  report(`binary (exportable) model: train accuracy ${(result.trainAccuracy * 100).toFixed(2)}%, test accuracy ${(result.testAccuracy * 100).toFixed(2)}%`);

  const metrics = {
    spec: spec.name,
    seed: spec.seed,
    backend,
    trainSamples: data.train.count,
    testSamples: data.test.count,
    trainAccuracy: result.trainAccuracy,
    testAccuracy: result.testAccuracy,
    seconds: result.seconds,
    peakRssBytes: peakRss,
    tensorsAtEnd: tf.memory().numTensors,
    history: result.history,
  };

  mkdirSync(options.runs, { recursive: true });
  const folder = createFreshFolder(join(options.runs, `${spec.name}-${timestamp()}`));
  writeFileSync(join(folder, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  writeFileSync(join(folder, 'model.json'), JSON.stringify(await saveCheckpoint(model, data.train.sampleShape, metrics)));
  let exported;
  try {
    exported = await exportModel(model, data.train.sampleShape, data.test, { registered: options.registered });
  } catch (error) {
    if (!(error instanceof ExportError)) throw error;
    throw new ExportError(`${error.message}. The trained model is saved: ${join(folder, 'model.json')} and metrics.json`);
  }
  const bundle = writeBundle(folder, 'verilog', exported.files, exported.zip);
  report(`wrote ${folder}: metrics.json, model.json, verilog/ and verilog.zip (netlist checked against the model on ${exported.samples} test samples)`);
  await simulateIfRequested(bundle, options.simulate);
  model.dispose();
}

async function commandExport(modelPath: string, options: { backend: string; out?: string; registered: boolean; simulate: boolean }): Promise<void> {
  const text = readInputFile(modelPath, 'model');
  if (options.out) checkOutputFolder(options.out, '--out');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DeepLutError(`${modelPath} is not valid JSON: ${(error as Error).message}`);
  }
  await useBackend(options.backend);
  const { model, inputShape }: { model: Model; inputShape: number[] } = loadCheckpoint(json, modelPath);
  const data = loadSpecData(model.spec, dataSources);
  const exported = await exportModel(model, inputShape, data.test, { registered: options.registered });

  const parent = options.out ? resolve(options.out) : dirname(resolve(modelPath));
  mkdirSync(parent, { recursive: true });
  let name = 'verilog-export';
  for (let n = 2; existsSync(join(parent, name)) || existsSync(join(parent, `${name}.zip`)); n++) name = `verilog-export-${n}`;
  const bundle = writeBundle(parent, name, exported.files, exported.zip);
  report(`wrote ${bundle} and ${basename(bundle)}.zip: test accuracy ${(exported.testAccuracy * 100).toFixed(2)}% on ${exported.samples} samples, netlist equal to the model`);
  await simulateIfRequested(bundle, options.simulate);
  model.dispose();
}

async function commandBench(specPath: string, options: { backend: string; batches: string }): Promise<void> {
  if (!/^[1-9][0-9]*$/.test(options.batches)) throw new DeepLutError(`--batches must be a positive integer, got "${options.batches}"`);
  const batches = Number(options.batches);
  const spec = resolveDataPaths(parseSpecJson(readInputFile(specPath, 'spec'), specPath), dirname(resolve(specPath)));
  const backend = await useBackend(options.backend);
  const data = loadSpecData(spec, dataSources);
  const model = buildModel(spec, data.train.featureCount, data.train.classes);

  const warmup = 2;
  const stop = new AbortController();
  let seen = 0;
  let timedSamples = 0;
  let timedStart = 0;
  let timedEnd = 0;
  let lastBatchEnd = 0;
  let peakRss = process.memoryUsage().rss;
  await train(model, data, {
    signal: stop.signal,
    onBatch: (p) => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      lastBatchEnd = performance.now();
      seen++;
      if (seen === warmup) timedStart = performance.now();
      else if (seen > warmup) timedSamples += p.size;
      if (seen >= warmup + batches && !stop.signal.aborted) {
        timedEnd = performance.now();
        stop.abort();
      }
    },
  });
  const timedBatches = Math.max(0, seen - warmup);
  if (timedBatches === 0) throw new DeepLutError(`the spec trains only ${seen} batches, all of them warm-up; raise epochs or split.train`);
  if (timedEnd === 0) timedEnd = lastBatchEnd;
  const seconds = (timedEnd - timedStart) / 1000;
  report('| spec | backend | helper threads | batch | batches timed | samples/s | peak memory (RSS) |');
  report('|---|---|---|---|---|---|---|');
  report(`| ${spec.name} | ${backend} | ${lutThreadStats().helpers} | ${spec.batchSize} | ${timedBatches} | ${Math.round(timedSamples / seconds)} | ${Math.round(peakRss / 1024 ** 2)} MiB |`);
  model.dispose();
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        backend: { type: 'string', default: 'wasm' },
        runs: { type: 'string', default: 'runs' },
        out: { type: 'string' },
        registered: { type: 'boolean', default: false },
        simulate: { type: 'boolean', default: false },
        batches: { type: 'string', default: '20' },
        threads: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, path, ...extra] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (!path || extra.length > 0 || !['train', 'export', 'bench'].includes(command)) {
    process.stderr.write(`error: expected "train <spec.json>", "export <model.json>" or "bench <spec.json>", got "${positionals.join(' ')}"\n\n${USAGE}`);
    return 2;
  }

  try {
    const threads = values.threads ?? String(defaultLutThreads());
    if (!/^[0-9]+$/.test(threads) || Number(threads) > 7) throw new DeepLutError(`--threads must be an integer from 0 to 7, got "${threads}"`);
    startLutThreads(Number(threads));
    if (command === 'train') await commandTrain(path, { backend: values.backend!, runs: values.runs!, registered: values.registered!, simulate: values.simulate! });
    else if (command === 'bench') await commandBench(path, { backend: values.backend!, batches: values.batches! });
    else await commandExport(path, { backend: values.backend!, out: values.out, registered: values.registered!, simulate: values.simulate! });
    return 0;
  } catch (error) {
    if (error instanceof DeepLutError) {
      // One line per problem, so that scripts can grep the cause.
      const problems = error instanceof SpecError ? error.issues.map((issue) => `invalid spec: ${issue}`) : [error.message];
      for (const problem of problems) process.stderr.write(`error: ${problem}\n`);
      return 1;
    }
    throw error;
  }
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`internal error: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(70);
    },
  );
}
