/**
 * Benchmark of the LUT op: samples/s of one LutLinear(256->256, expanded) forward + backward
 * pass at batch 128, per backend, table size k, input kind and implementation. Prints a
 * Markdown table. Each figure is the median of several timed repetitions after one untimed
 * warm-up, because the machines this runs on are often shared. samples/CPU-s divides by the
 * CPU time of this process instead of wall time: tfjs cpu and wasm run on one thread here, so
 * it estimates the rate on an idle core. The memory column is the
 * process's peak resident set size so far, so run one implementation per process to attribute it.
 *
 *     npm run bench -- [--backends cpu,wasm] [--k 2,4,6] [--reps 5] [--inputs binary,real]
 *                      [--implementations reference,js,webassembly] [--threads 0,1] [--webgpu] [--webgpu-batch 8]
 *
 * Implementations: `reference` is the composition of tfjs ops, `js` the typed-array kernels
 * with every chunk in JavaScript, and `webassembly` the same kernels with the binary-input
 * chunks in WebAssembly (kernel.wat), which is what the op runs by default. Real inputs have
 * no WebAssembly chunks, so they get no `webassembly` row.
 *
 * --threads lists the helper thread counts to time the typed-array kernels with (default:
 * none, and one per core).
 *
 * --webgpu adds rows for the webgpu backend in headless Chromium. There the adapter is
 * SwiftShader on the CPU, so those rows show that the WGSL kernels run at full size. They are
 * not a speed figure.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { DeepLutError } from '../core/errors';
import { LutLinear } from '../core/layers/lut-linear';
import { setLutImplementation, type LutImplementation } from '../core/lut/op';
import { lutUsesWasm, useLutWasm } from '../core/lut/pool';
import { Random } from '../core/random';
import type { LutLinearSpec } from '../core/spec/schema';
import { launchChromium, startDevServer } from '../../test/browser/chromium';
import type { WebGpuBenchRequest, WebGpuBenchResult } from '../../test/browser/pages/lut-bench';
import { NODE_BACKENDS, useBackend } from './backend';
import { defaultLutThreads, startLutThreads } from './threads';

const WIDTH = 256;
const BATCH = 128;

/**
 * Batch of the reference composition. It materialises [batch, 256, 256, k, 2^k] floats, 100 MB
 * per sample at k = 6 (13 GB at batch 128), and its gather gradient is slow on the cpu backend,
 * so it runs on a few samples only.
 */
function referenceBatch(k: number): number {
  return k <= 2 ? 8 : 1;
}

interface Row {
  backend: string;
  implementation: string;
  k: number;
  inputs: 'binary' | 'real';
  batch: number;
  samplesPerSecond: number;
  /** Samples per second of CPU time used by this process, less sensitive to other jobs on the machine. */
  samplesPerCpuSecond: number;
  forwardMs?: number;
  peakMiB: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function makeLayer(k: number, binary: boolean): LutLinear {
  const spec: LutLinearSpec = {
    type: 'LutLinear',
    out: WIDTH,
    k,
    mask: { kind: 'expanded', replacement: false },
    binarization: binary ? 2 : 0,
    inputExpanded: true,
    trainer: 'lagrange',
    init: 'uniform',
  };
  return new LutLinear('bench', WIDTH, spec, new Random(`bench-${k}`));
}

/**
 * Times forward + backward (input, entry and gamma gradients) of one layer and returns the
 * median ms per pass. `warmup` adds one untimed pass first and a timed forward-only pass per
 * repetition; the reference composition runs without them, since one pass takes minutes.
 */
function timePasses(
  layer: LutLinear,
  batch: number,
  binary: boolean,
  reps: number,
  warmup: boolean,
): { total: number; totalCpu: number; forward?: number; leaked: number } {
  const rng = new Random('bench-data');
  const xData = new Float32Array(batch * WIDTH).map(() => (binary ? rng.sign() : rng.uniform(-1, 1)));
  const dyData = new Float32Array(batch * WIDTH).map(() => rng.uniform(-1, 1));
  const x = tf.variable(tf.tensor2d(xData, [batch, WIDTH]), true);
  const dy = tf.tensor2d(dyData, [batch, WIDTH]);
  const context = { training: true, binary: false };

  const forwardOnce = () => tf.tidy(() => layer.apply(x, context).dataSync());
  const backwardOnce = () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, context), dy)) as tf.Scalar);
      for (const grad of Object.values(grads)) grad.dataSync();
    });

  if (warmup) {
    forwardOnce();
    backwardOnce();
  }
  const tensorsBefore = tf.memory().numTensors;
  const forward: number[] = [];
  const total: number[] = [];
  const totalCpu: number[] = [];
  for (let r = 0; r < reps; r++) {
    let start = performance.now();
    if (warmup) {
      forwardOnce();
      forward.push(performance.now() - start);
    }
    start = performance.now();
    const cpuStart = process.cpuUsage();
    backwardOnce();
    total.push(performance.now() - start);
    const cpu = process.cpuUsage(cpuStart);
    totalCpu.push((cpu.user + cpu.system) / 1000);
  }
  const leaked = tf.memory().numTensors - tensorsBefore;
  x.dispose();
  dy.dispose();
  return { total: median(total), totalCpu: median(totalCpu), forward: warmup ? median(forward) : undefined, leaked };
}

/** Times one row and prints it. `rows` contains the rows so far, for the ratio to the reference. */
function benchRow(backend: string, implementation: LutImplementation, label: string, k: number, binary: boolean, reps: number, rows: Row[]): Row {
  setLutImplementation(implementation);
  const batch = implementation === 'reference' ? referenceBatch(k) : BATCH;
  const layer = makeLayer(k, binary);
  const isReference = implementation === 'reference';
  const times = timePasses(layer, batch, binary, isReference ? 1 : reps, !isReference);
  layer.dispose();
  if (times.leaked !== 0) throw new Error(`${label} on ${backend} leaked ${times.leaked} tensors over ${reps} passes`);
  const row: Row = {
    backend,
    implementation,
    k,
    inputs: binary ? 'binary' : 'real',
    batch,
    samplesPerSecond: (batch * 1000) / times.total,
    samplesPerCpuSecond: (batch * 1000) / times.totalCpu,
    forwardMs: times.forward,
    peakMiB: process.resourceUsage().maxRSS / 1024,
  };
  const reference = rows.find((r) => r.backend === 'cpu' && r.implementation === 'reference' && r.k === k && r.inputs === row.inputs);
  const ratio = reference ? formatRate(row.samplesPerSecond / reference.samplesPerSecond) : '-';
  process.stdout.write(
    `| ${backend} | ${label} | ${k} | ${row.inputs} | ${batch} | ${formatRate(row.samplesPerSecond)} | ${formatRate(row.samplesPerCpuSecond)} | ${row.forwardMs?.toFixed(1) ?? '-'} | ${ratio} | ${row.peakMiB.toFixed(0)} |\n`,
  );
  return row;
}

/** Formats a rate with three significant digits, without exponent notation. */
function formatRate(value: number): string {
  return value >= 100 ? Math.round(Number(value.toPrecision(3))).toLocaleString('en-US') : value.toPrecision(3);
}

/**
 * Parses a comma-separated option of integers from `min` to `max`, without repeats.
 * Throws a DeepLutError that names the option and the value.
 */
function integerList(option: string, text: string, min: number, max: number): number[] {
  const items = text.split(',');
  if (items.some((item) => !/^[0-9]+$/.test(item) || Number(item) < min || Number(item) > max)) {
    throw new DeepLutError(`--${option} takes integers from ${min} to ${max} separated by commas, got "${text}"`);
  }
  return [...new Set(items.map(Number))];
}

/** Parses an option that takes one integer from `min` to `max`. */
function integerOption(option: string, text: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new DeepLutError(`--${option} takes an integer from ${min} to ${max}, got "${text}"`);
  }
  return Number(text);
}

/** Parses a comma-separated option whose items must come from `allowed`, without repeats. */
function choiceList<T extends string>(option: string, text: string, allowed: readonly T[]): T[] {
  const items = text.split(',');
  const unknown = items.find((item) => !(allowed as readonly string[]).includes(item));
  if (unknown !== undefined) throw new DeepLutError(`--${option}: unknown value "${unknown}"; use ${allowed.join(', ')}`);
  return [...new Set(items as T[])];
}

const USAGE = `Usage: npm run bench -- [--backends cpu,wasm] [--k 2,4,6] [--reps 5] [--inputs binary,real]
                      [--implementations reference,js,webassembly] [--threads 0,1] [--webgpu] [--webgpu-batch 8]

Times forward + backward of LutLinear(256->256, expanded) at batch 128 and prints a Markdown table.
  --backends         tfjs backends to run on: cpu, wasm (default cpu,wasm)
  --k                table sizes, 1 to 8 (default 2,4,6)
  --inputs           binary, real or both (default both)
  --implementations  reference (tfjs ops), js (typed-array kernels in JavaScript),
                     webassembly (the same with binary-input chunks in WebAssembly; binary inputs only)
  --threads          helper thread counts for js and webassembly, 0 to 7 (default 0 and one per core)
  --reps             timed passes per row, each row shows the median (default 5)
  --webgpu           add rows for the WGSL kernels in headless Chromium (SwiftShader: a correctness run)
  --webgpu-batch     batch of the webgpu rows (default 8)
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      backends: { type: 'string', default: 'cpu,wasm' },
      k: { type: 'string', default: '2,4,6' },
      reps: { type: 'string', default: '5' },
      implementations: { type: 'string', default: 'reference,js,webassembly' },
      inputs: { type: 'string', default: 'binary,real' },
      webgpu: { type: 'boolean', default: false },
      'webgpu-batch': { type: 'string', default: '8' },
      threads: { type: 'string', default: [...new Set([0, defaultLutThreads()])].join(',') },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const backends = choiceList('backends', values.backends!, NODE_BACKENDS);
  const ks = integerList('k', values.k!, 1, 8);
  const reps = integerOption('reps', values.reps!, 1, 1000);
  const implementations = choiceList('implementations', values.implementations!, ['reference', 'js', 'webassembly'] as const);
  const inputKinds = choiceList('inputs', values.inputs!, ['binary', 'real'] as const);
  const threadCounts = integerList('threads', values.threads!, 0, 7);
  const webGpuBatch = integerOption('webgpu-batch', values['webgpu-batch']!, 1, 4096);
  const rows: Row[] = [];

  process.stdout.write('| backend | implementation | k | inputs | batch | samples/s | samples/CPU-s | forward ms | x reference | process peak RSS MiB |\n');
  process.stdout.write('|---|---|---|---|---|---|---|---|---|---|\n');
  for (const backend of backends) {
    await useBackend(backend);
    for (const k of ks) {
      for (const binary of inputKinds.map((kind) => kind === 'binary')) {
        for (const implementation of implementations) {
          // tfjs 4.22's wasm backend has no UnsortedSegmentSum, the gradient of gather.
          if (implementation === 'reference' && backend === 'wasm') continue;
          if (implementation === 'webassembly' && !binary) continue;
          useLutWasm(implementation === 'webassembly');
          if (implementation === 'webassembly' && !lutUsesWasm(false)) throw new DeepLutError('webassembly rows: WebAssembly cannot run the LUT kernels on this platform; use --implementations js');
          for (const threads of implementation === 'reference' ? [0] : threadCounts) {
            if (startLutThreads(threads) > 0) await new Promise((resolve) => setTimeout(resolve, 500));
            const label = threads === 0 ? implementation : `${implementation}, ${threads} helper thread${threads > 1 ? 's' : ''}`;
            rows.push(benchRow(backend, implementation === 'reference' ? 'reference' : 'js', label, k, binary, reps, rows));
          }
          useLutWasm(true);
        }
      }
    }
  }
  startLutThreads(0);
  setLutImplementation('auto');
  if (rows.length === 0 && !values.webgpu) {
    process.stderr.write('no rows to time: the reference runs on the cpu backend only, and webassembly rows need --inputs binary\n');
    process.exitCode = 1;
  }

  if (values.webgpu) await benchWebGpu(ks, inputKinds, webGpuBatch, Math.min(reps, 3));
}

/** Prints the webgpu rows, measured in headless Chromium through the page test/browser/pages/lut-bench.html. */
async function benchWebGpu(ks: number[], inputs: string[], batch: number, reps: number): Promise<void> {
  const server = await startDevServer();
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}test/browser/pages/lut-bench.html`);
    await page.waitForFunction(() => typeof window.benchLutWebGpu === 'function', undefined, { timeout: 120_000 });
    for (const k of ks) {
      for (const kind of inputs) {
        const request: WebGpuBenchRequest = { k, binary: kind === 'binary', batch, reps };
        const result: WebGpuBenchResult = await page.evaluate((r) => window.benchLutWebGpu!(r), request);
        process.stdout.write(
          `| webgpu (SwiftShader, correctness run, not a speed figure) | ${result.implementation} | ${k} | ${kind} | ${batch} | ${formatRate((batch * 1000) / result.ms)} | - | - | - | - |\n`,
        );
        if (result.backend !== 'webgpu') throw new Error(`the webgpu rows ran on the ${result.backend} backend`);
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  // Bad options get one line; anything else is a bug, so it keeps its stack.
  const known = error instanceof DeepLutError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(known ? `error: ${(error as Error).message}\n\n${USAGE}` : `${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
