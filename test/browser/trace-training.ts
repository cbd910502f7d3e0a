/**
 * Records the main-thread tasks of the playground while it trains the end-to-end test's task
 * (6-bit majority, 512 samples, batches of 32, 3 epochs, wasm), so that long tasks can be
 * matched with their cause. Each run uses a fresh page of the production build served by
 * `vite preview` on 127.0.0.1.
 *
 * Run: npx tsx test/browser/trace-training.ts [runs] [options]
 *
 * For each run it prints the long tasks (50 ms or more, start in ms from navigation start)
 * next to the run store's changes, and at the end the largest long task per run. Options:
 *
 *   --epochs N          epochs to train (default 3, as in the end-to-end test)
 *   --default-spec      trains the page's default experiment instead: the embedded MNIST
 *                       subset, 5 epochs, on the backend the page picks
 *   --synthetic N       sends N batch events to the run store instead of training, 4 per
 *                       second, with an epoch event every 4 batches. The worker stays idle, so
 *                       the main thread's times vary less.
 *   --prefill N         with --synthetic, first adds N batch events at once
 *   --cpu               records a light trace per run and prints the longest tasks by wall and
 *                       CPU time from the start of training until SETTLE_MS after its end; CPU
 *                       time varies less than wall time on a loaded machine
 *   --list              with --cpu, also lists the tasks of 4 ms CPU or more between the store's
 *                       changes
 *   --trace FILE        profiles the last run, writes its trace to FILE (open it in Chromium's
 *                       performance panel) and prints, for each task of 30 ms or more, its
 *                       trace events and the functions with the most samples
 *   --no-minify         builds without minification, for readable function names
 *   --variants 'A|B'    URL queries to compare, such as 'backend=cpu|backend=wasm'; the runs
 *                       take them in turn
 */
import { writeFileSync } from 'node:fs';
import type { CDPSession, Page } from 'playwright-core';
import { launchChromium, startPreviewServer } from './chromium';

const args = process.argv.slice(2);
function option(name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

const runs = Number(args.find((arg, i) => /^\d+$/.test(arg) && !args[i - 1]?.startsWith('--')) ?? 3);
const tracePath = option('--trace');
const epochs = option('--epochs') ?? '3';
const minify = !args.includes('--no-minify');
const measureTasks = args.includes('--cpu');
const synthetic = Number(option('--synthetic') ?? 0);
const prefill = Number(option('--prefill') ?? 0);
const defaultSpec = args.includes('--default-spec');

/** Minimum duration of a main-thread task, in ms, that the trace summary explains. */
const EXPLAINED_TASK_MS = 30;

/** Time after the run ends during which tasks still count, in ms. The charts update at most once a second. */
const SETTLE_MS = 1500;

interface PageProbe {
  longTasks: { start: number; duration: number }[];
  changes: { at: number; what: string }[];
}

interface TraceEvent {
  name: string;
  cat?: string;
  ph: string;
  ts: number;
  dur?: number;
  /** Thread (CPU) time of an X event, in µs. */
  tdur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: { cpuProfile?: CpuProfile; timeDeltas?: number[] } };
  id?: string;
}

interface CpuProfile {
  nodes?: { id: number; parent?: number; callFrame: { functionName: string; url?: string; lineNumber: number } }[];
  samples?: number[];
}

async function setUpTask(page: Page, url: string, epochs: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('[data-testid=backend][data-backend]:not([data-backend=""])', { timeout: 60_000 });
  if (defaultSpec) {
    await page.getByRole('tab', { name: 'Training', exact: true }).click();
    await page.waitForSelector('[data-testid=chart-accuracy] .recharts-surface');
    await page.waitForSelector('button.primary:not([disabled])', { timeout: 120_000 });
    return;
  }
  await page.getByLabel('force backend').selectOption('wasm');
  await page.waitForSelector('[data-testid=backend][data-backend=wasm]', { timeout: 30_000 });
  await page.getByRole('tab', { name: 'Data', exact: true }).click();
  await page.getByLabel('Synthetic boolean task').check();
  await page.getByLabel('synthetic task').selectOption('majority');
  await page.getByLabel('synthetic bits').fill('6');
  await page.getByLabel('train samples').fill('512');
  await page.getByLabel('test samples').fill('128');
  await page.waitForSelector('[data-testid=data-summary]:has-text("6-bit majority")');
  await page.getByRole('tab', { name: 'Network', exact: true }).click();
  await page.getByLabel('layer 1 out').fill('16');
  await page.getByLabel('layer 1 fan-in').fill('8');
  await page.getByLabel('layer 1 k').fill('3');
  await page.getByLabel('layer 4 out').fill('2');
  await page.getByRole('tab', { name: 'Training', exact: true }).click();
  await page.getByLabel('epochs').fill(epochs);
  await page.getByLabel('batch size').fill('32');
  await page.getByLabel('learning rate').fill('0.05');
  await page.waitForSelector('button.primary:not([disabled])');
}

/** Starts the long-task observer and a log of run store changes in the page. */
async function startProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const probe: PageProbe = { longTasks: [], changes: [] };
    (window as unknown as { probe: PageProbe }).probe = probe;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) probe.longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask' });
    type RunState = { state: string; points: unknown[]; history: unknown[] };
    const store = (window as unknown as { deeplut: { runStore: { subscribe(listener: (state: RunState, previous: RunState) => void): void } } }).deeplut.runStore;
    store.subscribe((state, previous) => {
      const what: string[] = [];
      if (state.state !== previous.state) what.push(`state ${state.state}`);
      if (state.points !== previous.points) what.push(`points ${state.points.length}`);
      if (state.history !== previous.history) what.push(`history ${state.history.length}`);
      if (what.length > 0) {
        probe.changes.push({ at: performance.now(), what: what.join(', ') });
        performance.mark(`store: ${what.join(', ')}`);
      }
    });
  });
}

/**
 * Sends `count` batch events to the page's run store, 4 per second as the worker does, with
 * an epoch event after every 4 batches, without training. The worker stays idle, so task
 * times vary less than while training.
 */
async function replaySyntheticEvents(page: Page, count: number, prefill: number): Promise<void> {
  await page.evaluate(([total, before]) => {
    type Store = { getState(): { applyEvent(event: unknown): void } };
    const store = (window as unknown as { deeplut: { runStore: Store } }).deeplut.runStore;
    // No named functions in here, because tsx would wrap them in a helper that the page lacks.
    const batches = 4;
    store.getState().applyEvent({ type: 'state', state: 'training' });
    let step = 0;
    for (; step < before; step++) {
      const progress = { phase: 0, epoch: 1, epochs: 1, batch: step + 1, batches: before, size: 32, loss: 0.7 / Math.sqrt(step + 1), accuracy: 0.5, samplesPerSecond: 20_000 + 2_000 * Math.random() };
      store.getState().applyEvent({ type: 'batch', progress, step: step + 1 });
    }
    const timer = setInterval(() => {
      step++;
      const epoch = Math.ceil(step / batches);
      const batch = step - (epoch - 1) * batches;
      const loss = 0.7 / Math.sqrt(step) + 0.05 * Math.random();
      const progress = { phase: 0, epoch, epochs: Math.ceil(total / batches), batch, batches, size: 32, loss, accuracy: 1 - loss, samplesPerSecond: 20_000 + 2_000 * Math.random() };
      store.getState().applyEvent({ type: 'batch', progress, step });
      if (batch === batches) {
        const accuracy = Math.min(0.99, 0.5 + 0.01 * epoch);
        const metrics = { phase: 0, epoch, trainLoss: loss, trainAccuracy: accuracy, testAccuracyFloat: accuracy - 0.01, testAccuracy: accuracy - 0.02, samplesPerSecond: 20_000, seconds: 1, tensors: 10 };
        store.getState().applyEvent({ type: 'epoch', metrics, flippedBits: [] });
      }
      if (step === total + before) {
        clearInterval(timer);
        store.getState().applyEvent({ type: 'state', state: 'done' });
      }
    }, 250);
  }, [count, prefill]);
}

async function readTrace(session: CDPSession): Promise<TraceEvent[]> {
  const done = new Promise<string>((resolve) => session.once('Tracing.tracingComplete', (event) => resolve(event.stream as string)));
  await session.send('Tracing.end');
  const stream = await done;
  let text = '';
  for (;;) {
    const chunk = await session.send('IO.read', { handle: stream, size: 1 << 20 });
    text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString('utf8') : chunk.data;
    if (chunk.eof) break;
  }
  await session.send('IO.close', { handle: stream });
  const parsed = JSON.parse(text) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  return Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
}

/** Returns the thread_name event of the page's main thread: the main thread of the renderer that runs the training worker. */
function findRendererMain(events: TraceEvent[]): TraceEvent | undefined {
  const withWorker = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'DedicatedWorker thread').map((e) => e.pid));
  return events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && withWorker.has(e.pid));
}

/** Returns the top-level tasks of the page's main thread. */
function mainThreadTasks(events: TraceEvent[]): TraceEvent[] {
  const main = findRendererMain(events);
  if (!main) return [];
  return events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.name === 'ThreadControllerImpl::RunTask' && e.ph === 'X');
}


/**
 * Summarizes the page's main-thread tasks from the start of training until SETTLE_MS after it
 * ends, a window that the probe's marks of the run store's changes delimit. The summary gives
 * the longest tasks by wall and CPU time and the median CPU time of the tasks of 2 ms or more.
 * With `list`, it also lists the tasks of 4 ms or more between the store's changes.
 */
function summarizeTasks(events: TraceEvent[], list: boolean): { text: string; maxCpuMs: number } {
  const marks = events.filter((e) => e.cat === 'blink.user_timing' && e.name.startsWith('store: ')).sort((a, b) => a.ts - b.ts);
  const started = marks.find((m) => m.name.includes('state training'))?.ts ?? -Infinity;
  const ended = marks.find((m) => m.name.includes('state done'))?.ts;
  const until = ended === undefined ? Infinity : ended + SETTLE_MS * 1000;
  const tasks = mainThreadTasks(events).filter((t) => t.ts >= started && t.ts <= until);
  const cpu = (t: TraceEvent) => t.tdur ?? 0;
  const ms = (us: number) => (us / 1000).toFixed(1);
  const byWall = [...tasks].sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0));
  const busy = tasks.filter((t) => cpu(t) >= 2000).sort((a, b) => cpu(b) - cpu(a));
  const lines = [
    `  longest tasks, wall ms (cpu ms): ${byWall.slice(0, 3).map((t) => `${ms(t.dur ?? 0)} (${ms(cpu(t))})`).join(', ')}`,
    `  longest tasks, cpu ms (wall ms): ${busy.slice(0, 3).map((t) => `${ms(cpu(t))} (${ms(t.dur ?? 0)})`).join(', ')}`,
    `  tasks of 2 ms cpu or more: ${busy.length}, median ${busy.length > 0 ? ms(cpu(busy[Math.floor(busy.length / 2)])) : '-'} ms, sum ${ms(busy.reduce((sum, t) => sum + cpu(t), 0))} ms`,
  ];
  if (list) {
    const origin = Number.isFinite(started) ? started : (tasks[0]?.ts ?? 0);
    const timeline = [...busy.filter((t) => cpu(t) >= 4000), ...marks].sort((a, b) => a.ts - b.ts);
    const entries = timeline.map((e) => `${((e.ts - origin) / 1000).toFixed(0)} ${e.cat === 'blink.user_timing' ? `[${e.name.slice('store: '.length)}]` : `task ${ms(cpu(e))}`}`);
    lines.push(`  ms after training started: ${entries.join(' | ')}`);
  }
  return { text: lines.join('\n'), maxCpuMs: busy.length > 0 ? cpu(busy[0]) / 1000 : 0 };
}

/** Prints, for each long main-thread task of the page, its trace events and hottest functions. */
function explainTrace(events: TraceEvent[]): void {
  const rendererMain = findRendererMain(events);
  if (!rendererMain) {
    console.log('trace: no renderer main thread with script found');
    return;
  }
  const onMain = events.filter((e) => e.pid === rendererMain.pid && e.tid === rendererMain.tid);
  const tasks = mainThreadTasks(events).filter((e) => (e.dur ?? 0) >= EXPLAINED_TASK_MS * 1000);

  // The sampling profiler arrives as ProfileChunk events: nodes once, then samples with time deltas.
  const nodes = new Map<number, { name: string; parent?: number }>();
  const samples: { ts: number; node: number }[] = [];
  let sampleTime = 0;
  // The worker's thread shares the renderer process and has its own profile id.
  const mainProfiles = new Set(events.filter((e) => e.name === 'Profile' && e.pid === rendererMain.pid && e.tid === rendererMain.tid).map((e) => e.id));
  for (const event of events.filter((e) => (e.name === 'Profile' || e.name === 'ProfileChunk') && e.pid === rendererMain.pid && mainProfiles.has(e.id))) {
    if (event.name === 'Profile') sampleTime = (event.args?.data as { startTime?: number } | undefined)?.startTime ?? sampleTime;
    const profile = event.args?.data?.cpuProfile;
    for (const node of profile?.nodes ?? []) {
      const frame = node.callFrame;
      const file = (frame.url ?? '').split('/').pop() ?? '';
      nodes.set(node.id, { name: `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`, parent: node.parent });
    }
    const deltas = event.args?.data?.timeDeltas ?? [];
    (profile?.samples ?? []).forEach((node, i) => {
      sampleTime += deltas[i] ?? 0;
      samples.push({ ts: sampleTime, node });
    });
  }

  for (const task of tasks) {
    const end = task.ts + (task.dur ?? 0);
    const inside = onMain.filter((e) => e.ph === 'X' && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= end && e !== task);
    const byName = new Map<string, number>();
    for (const e of inside) byName.set(e.name, (byName.get(e.name) ?? 0) + (e.dur ?? 0));
    const names = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([name, us]) => `${name} ${(us / 1000).toFixed(1)}`);
    const selfTime = new Map<string, number>();
    const inclusive = new Map<string, number>();
    const taskSamples = samples.filter((s) => s.ts >= task.ts && s.ts <= end);
    for (const sample of taskSamples) {
      const node = nodes.get(sample.node);
      if (!node) continue;
      selfTime.set(node.name, (selfTime.get(node.name) ?? 0) + 1);
      const seen = new Set<string>();
      for (let id: number | undefined = sample.node; id !== undefined; id = nodes.get(id)?.parent) {
        const name = nodes.get(id)?.name;
        if (!name || seen.has(name)) continue;
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
      }
    }
    const top = (map: Map<string, number>, count: number) =>
      [...map]
        .sort((a, b) => b[1] - a[1])
        .slice(0, count)
        .map(([name, n]) => `${((100 * n) / Math.max(taskSamples.length, 1)).toFixed(0)}% ${name}`);
    console.log(`\ntask at ${((task.ts - onMain[0].ts) / 1000).toFixed(0)} ms in the trace, ${((task.dur ?? 0) / 1000).toFixed(1)} ms`);
    console.log(`  events (ms, nested events counted in each): ${names.join(', ')}`);
    console.log(`  self time (${taskSamples.length} samples): ${top(selfTime, 12).join('; ')}`);
    console.log(`  inclusive: ${top(inclusive, 25).join('; ')}`);
  }
}

const variants = (option('--variants') ?? '').split('|');
const server = await startPreviewServer({ minify });
const browser = await launchChromium();
const largest = new Map<string, number[]>(variants.map((v) => [v, []]));
const cpuLargest = new Map<string, number[]>(variants.map((v) => [v, []]));

try {
  for (let index = 0; index < runs * variants.length; index++) {
    const run = Math.floor(index / variants.length);
    const variant = variants[index % variants.length];
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await setUpTask(page, `${server.url}${variant ? `?${variant}` : ''}`, epochs);
    const profiled = tracePath !== undefined && index === runs * variants.length - 1;
    const tracing = profiled || measureTasks ? await browser.context.newCDPSession(page) : undefined;
    if (tracing) {
      const categories = profiled ? ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'disabled-by-default-v8.cpu_profiler', 'toplevel'] : ['toplevel', 'blink.user_timing'];
      await tracing.send('Tracing.start', { transferMode: 'ReturnAsStream', traceConfig: { includedCategories: categories } });
    }
    await startProbe(page);
    if (synthetic > 0) await replaySyntheticEvents(page, synthetic, prefill);
    else await page.getByRole('button', { name: '▶ Train' }).click();
    await page.waitForSelector('[data-testid=run-state][data-state=done]', { timeout: 600_000 });
    // The charts update at most once a second, so their last update can follow the end of the run.
    await page.waitForTimeout(SETTLE_MS);
    const probe = await page.evaluate(() => (window as unknown as { probe: PageProbe }).probe);
    const max = Math.max(0, ...probe.longTasks.map((t) => t.duration));
    largest.get(variant)!.push(max);
    console.log(`run ${run + 1} ${variant}: largest long task ${max.toFixed(0)} ms`);
    const timeline = [...probe.longTasks.map((t) => ({ at: t.start, what: `LONG TASK ${t.duration.toFixed(0)} ms` })), ...probe.changes].sort((a, b) => a.at - b.at);
    for (const entry of timeline) console.log(`  ${entry.at.toFixed(0).padStart(7)}  ${entry.what}`);
    if (tracing) {
      const events = await readTrace(tracing);
      const summary = summarizeTasks(events, args.includes('--list'));
      console.log(summary.text);
      cpuLargest.get(variant)!.push(summary.maxCpuMs);
      if (profiled) {
        writeFileSync(tracePath!, JSON.stringify({ traceEvents: events }));
        console.log(`trace written to ${tracePath}`);
        explainTrace(events);
      }
    }
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}

for (const [variant, values] of largest) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
  console.log(`\n${variant || 'default'}: largest long task per run (ms): ${values.map((v) => v.toFixed(0)).join(', ')}`);
  console.log(`  min ${sorted[0].toFixed(0)}, median ${median.toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)}`);
  const cpu = cpuLargest.get(variant)!;
  if (cpu.length > 0) console.log(`  longest task's cpu time per run (ms): ${cpu.map((v) => v.toFixed(1)).join(', ')}`);
}
