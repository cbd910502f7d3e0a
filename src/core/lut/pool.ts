import { kernels, lutKernels, type LutGradients, type LutJobShape, type LutWasmKernels, type LutWorkspace } from './kernel-js';
import { compileWasm } from '../wasm';
import { PRIVATE_KERNELS, SHARED_KERNELS } from './kernel-wasm-binary';
import { DeepLutError } from '../errors';
import { checkMask, MAX_K, type LutOptions, type LutShape } from './shape';

/**
 * Runs the typed-array LUT kernels on helper threads as well as on the calling thread.
 *
 * The op is synchronous (tfjs calls it inside a custom gradient), so the calling thread cannot
 * wait for messages. Instead all threads share one SharedArrayBuffer workspace and a small
 * control array. The caller copies a call's inputs into the workspace, publishes a ticket,
 * wakes the helpers, and then takes chunks itself like any helper until all are done.
 *
 * The ticket is one Int32 word: generation (15 bits) | chunk count (8 bits) | next chunk
 * (8 bits). A thread takes a chunk by compare-and-swap on the ticket, so a helper that wakes
 * late can never take a chunk of a later call: its swap fails once the generation changes.
 * The caller waits until the done counter reaches the chunk count, which is also what keeps
 * the workspace unchanged while any chunk runs. Which thread runs which chunk does not change
 * the result (see kernel-js.ts), so results do not depend on the number of threads.
 *
 * Helpers may start late or not at all: the caller then runs every chunk alone. When a call
 * needs a larger workspace, the caller posts a new buffer to the helpers and bumps the
 * mapping number. A helper that finds a newer mapping returns to its event loop to receive
 * the buffer, and takes part again from a later call on.
 *
 * Atomics.wait blocks, which browsers allow in workers only. The caller must therefore be
 * Node's main thread or a worker, and the page cross-origin isolated for SharedArrayBuffer.
 *
 * Where WebAssembly runs, the workspace is the memory of the kernels in kernel.wat. Each thread
 * instantiates the module on the one shared memory, and the binary-input chunks run there.
 * Elsewhere the workspace is a plain buffer and every chunk runs in JavaScript.
 */

/** A thread as the pool uses it: Node's worker_threads Worker and a browser Worker both fit. */
export interface HelperThread {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/**
 * Starts a helper thread running the classic script `body`. The script expects a global
 * function `listen(handler)` that passes each message's data to `handler`. The spawner
 * defines it for its platform before `body`.
 */
export type HelperSpawner = (body: string) => HelperThread;

const CONTROL_WORDS = 20;
/** Control array slots. The helper script repeats them as literals. */
const WAKE = 0;
const TICKET = 1;
const DONE = 2;
const KIND = 3;
const MAPPING = 4;
const EXIT = 5;
const HELPER_CHUNKS = 6;
const READY = 7;
const PARAMS = 8;
/** 1 when the call runs the WebAssembly kernels. */
const USE_WASM = 16;
/** 1 + the first chunk that failed on a helper thread in this call, else 0. */
const FAILED_CHUNK = 17;
/**
 * How long a waiting caller lets the done counter stand still before it takes chunks itself.
 * A chunk of the benchmark layer (256 x 256 tables, batch 128) takes up to about 20 ms, and a
 * patience of 20 ms made the caller join and compete with the helpers for the cores.
 */
const CALLER_PATIENCE_MS = 100;
const FORWARD = 1;
const BACKWARD = 2;

/**
 * The helper thread's program. It runs in a bare script, so it uses nothing from outside
 * itself. `makeKernels` is `lutKernels`, passed as source text.
 */
function lutHelper(makeKernels: typeof lutKernels, listen: (handler: (message: HelperMessage) => void) => void): void {
  const kernelSet = makeKernels();
  let control: Int32Array = new Int32Array(0);
  let buffer: SharedArrayBuffer | undefined;
  let wasm: LutWasmKernels | undefined;
  let mapping = -1;
  let seenWake = 0;

  function takeChunks(): void {
    const first = Atomics.load(control, 1);
    const generation = first >>> 16;
    let space: LutWorkspace | undefined;
    for (;;) {
      const ticket = Atomics.load(control, 1);
      const chunks = (ticket >>> 8) & 255;
      const next = ticket & 255;
      if (ticket >>> 16 !== generation || next >= chunks) return;
      // The caller publishes a new workspace before the ticket of the call that needs it, so
      // a ticket read before this check belongs to a call on the workspace this helper has.
      if (Atomics.load(control, 4) !== mapping) return;
      if (Atomics.compareExchange(control, 1, ticket, ticket + 1) !== ticket) continue;
      // The chunk is ours, so the call's parameters stay as they are until it is done.
      if (!space) {
        const job = {
          batch: control[8],
          inputWidth: control[9],
          neurons: control[10],
          tablesPerNeuron: control[11],
          k: control[12],
          binaryInputs: control[13] === 1,
          binarizeOutput: control[14] === 1,
          binarizeEntries: control[15] === 1,
        };
        space = kernelSet.lutWorkspace(job, buffer!, control[16] === 1 ? wasm : undefined);
      }
      try {
        if (control[3] === 1) kernelSet.forwardChunk(space, next);
        else kernelSet.backwardChunk(space, next);
      } catch {
        // The caller runs the chunk again itself and reports the error.
        Atomics.compareExchange(control, 17, 0, next + 1);
      }
      Atomics.add(control, 6, 1);
      Atomics.add(control, 2, 1);
      Atomics.notify(control, 2);
    }
  }

  function loop(): void {
    for (;;) {
      if (Atomics.load(control, 5) !== 0) return;
      const wake = Atomics.load(control, 0);
      if (wake === seenWake) {
        Atomics.wait(control, 0, seenWake);
        continue;
      }
      seenWake = wake;
      // A newer workspace is waiting in the message queue.
      if (Atomics.load(control, 4) !== mapping) return;
      takeChunks();
    }
  }

  listen((message) => {
    if (mapping < 0) Atomics.add(message.control, 7, 1);
    control = message.control;
    buffer = message.arena.buffer;
    const { memory, module } = message.arena;
    wasm = memory && module ? (new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as LutWasmKernels) : undefined;
    mapping = message.mapping;
    // seenWake keeps its value: a call published while the new buffer was on its way is
    // still taken, and a wake with no chunk left costs one look at the ticket.
    loop();
  });
}

/** The source of the helper script, less the platform's `listen`. */
export function helperScriptBody(): string {
  // Transpilers may wrap named functions in a `__name` call that keeps their names; the
  // script has no such helper, so it gets a do-nothing one.
  return `var __name = (target) => target;\n(${lutHelper.toString()})(${lutKernels.toString()}, listen);\n`;
}

/**
 * A workspace buffer: the memory of the WebAssembly kernels with the module and this thread's
 * instance, or a plain buffer when WebAssembly is not available.
 */
interface Arena {
  buffer: SharedArrayBuffer | ArrayBuffer;
  memory?: WebAssembly.Memory;
  module?: WebAssembly.Module;
  wasm?: LutWasmKernels;
}

/** The message a helper thread receives: the control words and the shared workspace. */
interface HelperMessage {
  control: Int32Array;
  arena: { buffer: SharedArrayBuffer; memory?: WebAssembly.Memory; module?: WebAssembly.Module };
  mapping: number;
}

interface Pool {
  helpers: HelperThread[];
  /** The calling thread only waits once every helper is ready (see `enableLutThreads`). */
  callerWaits: boolean;
  control: Int32Array;
  arena: Arena;
  mapping: number;
  generation: number;
}

let pool: Pool | undefined;
/** Workspace of the calling thread when no pool runs. */
let privateArena: Arena = { buffer: new ArrayBuffer(0) };

const WASM_PAGE_BYTES = 65536;
/** Largest workspace given to the WebAssembly kernels, because their offsets are 32-bit. */
const MAX_WASM_BYTES = 2 ** 31;
let wasmAllowed = true;
/** The compiled kernels for a shared (true) and a private (false) memory, undefined where they do not compile. */
const modules = new Map<boolean, WebAssembly.Module | undefined>();

/**
 * Turns the WebAssembly kernels on or off for later calls (default on). When off, every chunk
 * runs in JavaScript, with the same results bit for bit. Tests and benchmarks use it.
 */
export function useLutWasm(enabled: boolean): void {
  wasmAllowed = enabled;
}

/**
 * Returns true when later calls with binary inputs run their chunks in WebAssembly: with the
 * helper threads when `helpers` is true and they run, else on this thread alone.
 */
export function lutUsesWasm(helpers = true): boolean {
  if (!wasmAllowed) return false;
  if (pool && helpers) return pool.arena.wasm !== undefined;
  return wasmModule(false) !== undefined;
}

/** Returns the compiled kernels for a shared or a private memory, or undefined where WebAssembly cannot run them. */
function wasmModule(shared: boolean): WebAssembly.Module | undefined {
  if (!modules.has(shared)) modules.set(shared, compileWasm(shared ? SHARED_KERNELS : PRIVATE_KERNELS));
  return modules.get(shared);
}

/** Creates a workspace of at least `bytes` bytes, shared with helper threads or private to this one. */
function makeArena(bytes: number, shared: boolean): Arena {
  const module = bytes <= MAX_WASM_BYTES ? wasmModule(shared) : undefined;
  if (module) {
    try {
      const pages = Math.ceil(bytes / WASM_PAGE_BYTES);
      const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared });
      const wasm = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as LutWasmKernels;
      return { buffer: memory.buffer, memory, module, wasm };
    } catch {
      // Browsers allow a shared memory only on cross-origin isolated pages. A plain buffer works anywhere.
    }
  }
  return { buffer: shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes) };
}

function helperMessage(current: Pool): HelperMessage {
  const { buffer, memory, module } = current.arena;
  return { control: current.control, arena: { buffer: buffer as SharedArrayBuffer, memory, module }, mapping: current.mapping };
}

/**
 * Starts `count` helper threads for the typed-array kernels, replacing any earlier ones.
 * With count 0, the kernels run on the calling thread only. Returns the number started.
 *
 * With `callerWaits`, the calling thread leaves the chunks to the helpers once all of them
 * are ready. That suits a caller whose own typed-array code runs slower. Once tfjs's wasm
 * backend has grown its memory, V8 checks every typed-array access in that thread for a
 * detached buffer. Helper threads never load tfjs, so they skip that check.
 */
export function enableLutThreads(spawn: HelperSpawner, count: number, callerWaits = false): number {
  disableLutThreads();
  if (count <= 0 || typeof SharedArrayBuffer === 'undefined') return 0;
  const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
  const body = helperScriptBody();
  const started: Pool = { helpers: [], callerWaits, control, arena: makeArena(1 << 20, true), mapping: 0, generation: 0 };
  for (let h = 0; h < count; h++) {
    const helper = spawn(body);
    helper.postMessage(helperMessage(started));
    started.helpers.push(helper);
  }
  pool = started;
  return count;
}

/** Stops the helper threads; later calls run on the calling thread only. */
export function disableLutThreads(): void {
  if (!pool) return;
  Atomics.store(pool.control, EXIT, 1);
  Atomics.add(pool.control, WAKE, 1);
  Atomics.notify(pool.control, WAKE);
  for (const helper of pool.helpers) helper.terminate();
  pool = undefined;
}

/** Number of helper threads running now, and how many chunks they have run since they started. */
export function lutThreadStats(): { helpers: number; helperChunks: number } {
  return { helpers: pool?.helpers.length ?? 0, helperChunks: pool ? Atomics.load(pool.control, HELPER_CHUNKS) : 0 };
}

/** Returns a workspace big enough for `job`: the pool's shared one, or this thread's private one. */
function workspaceFor(job: LutJobShape, helpers: boolean): LutWorkspace {
  const size = kernels.lutLayout(job).size;
  const grown = Math.ceil((size * 1.25) / 8) * 8;
  let arena: Arena;
  if (pool && helpers) {
    if (pool.arena.buffer.byteLength < size) {
      pool.arena = makeArena(grown, true);
      pool.mapping++;
      const message = helperMessage(pool);
      for (const helper of pool.helpers) helper.postMessage(message);
      Atomics.store(pool.control, MAPPING, pool.mapping);
      Atomics.add(pool.control, WAKE, 1);
      Atomics.notify(pool.control, WAKE);
    }
    arena = pool.arena;
  } else {
    if (privateArena.buffer.byteLength < size) privateArena = makeArena(grown, false);
    arena = privateArena;
  }
  const space = kernels.lutWorkspace(job, arena.buffer, wasmAllowed ? arena.wasm : undefined);
  if (space.wasm) kernels.writeWasmHeader(space);
  return space;
}

/** Runs every chunk of one call, with the helpers when there are any. */
function runChunks(space: LutWorkspace, kind: typeof FORWARD | typeof BACKWARD, helpers: boolean): void {
  const run = kind === FORWARD ? kernels.forwardChunk : kernels.backwardChunk;
  if (!pool || !helpers || space.chunks === 1) {
    for (let c = 0; c < space.chunks; c++) run(space, c);
    return;
  }
  const { control } = pool;
  const params = [space.batch, space.inputWidth, space.neurons, space.tablesPerNeuron, space.k, space.binaryInputs ? 1 : 0, space.binarizeOutput ? 1 : 0, space.binarizeEntries ? 1 : 0];
  params.forEach((value, i) => (control[PARAMS + i] = value));
  control[KIND] = kind;
  control[USE_WASM] = space.wasm ? 1 : 0;
  control[FAILED_CHUNK] = 0;
  Atomics.store(control, DONE, 0);
  pool.generation = (pool.generation + 1) & 0x7fff;
  const generation = pool.generation;
  Atomics.store(control, TICKET, (generation << 16) | (space.chunks << 8));
  Atomics.add(control, WAKE, 1);
  Atomics.notify(control, WAKE);

  // A caller that waits still takes the chunks that no helper has taken after a while, so a
  // helper that is slow to pick up a call cannot stall it.
  let callerWorks = !pool.callerWaits || Atomics.load(control, READY) < pool.helpers.length;
  let failure: unknown;
  for (;;) {
    while (callerWorks) {
      const ticket = Atomics.load(control, TICKET);
      const next = ticket & 255;
      if (next >= space.chunks) break;
      if (Atomics.compareExchange(control, TICKET, ticket, ticket + 1) !== ticket) continue;
      try {
        run(space, next);
      } catch (error) {
        failure ??= error;
      }
      Atomics.add(control, DONE, 1);
    }
    const done = Atomics.load(control, DONE);
    if (done >= space.chunks) break;
    if (Atomics.wait(control, DONE, done, CALLER_PATIENCE_MS) === 'timed-out') callerWorks = true;
  }
  // Every chunk has finished, so no helper still writes to the workspace.
  if (failure !== undefined) throw failure;
  const failed = Atomics.load(control, FAILED_CHUNK);
  if (failed > 0) {
    // The error stayed on the helper thread: this thread reruns the chunk to raise it here.
    run(space, failed - 1);
    throw new Error(`LUT kernel: chunk ${failed - 1} failed on a helper thread but succeeded when rerun on the calling thread`);
  }
}

/** Runs every chunk of one call and names the op and the call's shape in an error from the kernels. */
function runCall(space: LutWorkspace, kind: typeof FORWARD | typeof BACKWARD, helpers: boolean): void {
  try {
    runChunks(space, kind, helpers);
  } catch (error) {
    const pass = kind === FORWARD ? 'forward' : 'backward';
    const shape = `batch ${space.batch}, input width ${space.inputWidth}, ${space.neurons} neurons x ${space.tablesPerNeuron} tables, k ${space.k}`;
    throw new Error(`LUT ${pass} pass failed (${shape}): ${(error as Error).message ?? String(error)}`, { cause: error });
  }
}

/**
 * Checks the sizes of one call against its shape, so that a bad argument gets an error that
 * names it instead of a kernel reading outside its arrays.
 */
function checkCall(batch: number, shape: LutShape, x: Float32Array, weights: Float32Array, mask: Int32Array): void {
  const { inputWidth, neurons, tablesPerNeuron, k } = shape;
  const counts = { batch, inputWidth, neurons, tablesPerNeuron };
  for (const [name, value] of Object.entries(counts)) {
    const least = name === 'batch' ? 0 : 1;
    if (!Number.isInteger(value) || value < least) throw new DeepLutError(`LUT op: ${name} must be an integer of at least ${least}, got ${value}`);
  }
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new DeepLutError(`LUT op: k must be an integer from 1 to ${MAX_K}, got ${k}`);
  if (x.length !== batch * inputWidth) throw new DeepLutError(`LUT op: x has ${x.length} values, expected batch ${batch} x input width ${inputWidth}`);
  const entries = neurons * tablesPerNeuron << k;
  if (weights.length !== entries) throw new DeepLutError(`LUT op: the entries have ${weights.length} values, expected ${entries} (${neurons * tablesPerNeuron} tables x 2^${k})`);
  checkMask(mask, shape);
}

function jobShape(batch: number, shape: LutShape, options: LutOptions): LutJobShape {
  return { batch, ...shape, binaryInputs: options.binaryInputs, binarizeOutput: options.binarizeOutput, binarizeEntries: options.binarizeEntries ?? false };
}

/** Result of the forward pass, with what the backward pass needs of it. */
export interface LutForwardResult {
  /** [batch][neurons]. */
  y: Float32Array;
  /** With binary inputs, every table's address per sample, for the backward pass. */
  addresses?: Uint8Array;
}

/** Copies a call's table entries, mask and scale into a workspace. */
function workspaceWithTables(job: LutJobShape, weights: Float32Array, gamma: number, mask: Int32Array, helpers: boolean): LutWorkspace {
  const space = workspaceFor(job, helpers);
  space.scalars[0] = Math.abs(gamma);
  space.mask.set(mask);
  space.weights.set(weights);
  return space;
}

/**
 * Runs the forward pass and returns y as [batch][neurons]. The helper threads take part when
 * they run, unless `helpers` is false.
 */
export function lutForward(
  x: Float32Array,
  batch: number,
  weights: Float32Array,
  gamma: number,
  mask: Int32Array,
  shape: LutShape,
  options: LutOptions,
  helpers = true,
): LutForwardResult {
  checkCall(batch, shape, x, weights, mask);
  if (batch === 0) return { y: new Float32Array(0), addresses: options.binaryInputs ? new Uint8Array(0) : undefined };
  const space = workspaceWithTables(jobShape(batch, shape, options), weights, gamma, mask, helpers);
  kernels.prepareInputs(space, x);
  runCall(space, FORWARD, helpers);
  return { y: space.y.slice(), addresses: options.binaryInputs ? space.addresses.slice() : undefined };
}

/**
 * Runs the backward pass and returns the gradients of sum(y * dy). With binary inputs it
 * reuses the addresses that `lutForward` returned for the same x, or computes them again
 * when `addresses` is undefined.
 */
export function lutBackward(
  dy: Float32Array,
  x: Float32Array,
  batch: number,
  weights: Float32Array,
  gamma: number,
  mask: Int32Array,
  shape: LutShape,
  options: LutOptions,
  addresses?: Uint8Array,
  helpers = true,
): LutGradients {
  checkCall(batch, shape, x, weights, mask);
  if (dy.length !== batch * shape.neurons) throw new DeepLutError(`LUT op: dy has ${dy.length} values, expected batch ${batch} x ${shape.neurons} neurons`);
  if (batch === 0) return { dx: new Float32Array(0), dWeights: new Float32Array(weights.length), dGamma: 0 };
  const space = workspaceWithTables(jobShape(batch, shape, options), weights, gamma, mask, helpers);
  if (options.binaryInputs && addresses) {
    if (addresses.length !== space.addresses.length) throw new Error(`LUT backward pass: invalid address array of ${addresses.length} bytes, expected ${space.addresses.length}; pass the addresses that lutForward returned for the same x`);
    space.addresses.set(addresses);
  } else {
    kernels.prepareInputs(space, x);
    // The forward pass writes the addresses that the binary backward pass reads.
    if (options.binaryInputs) runCall(space, FORWARD, helpers);
  }
  kernels.prepareOutputGradient(space, dy);
  runCall(space, BACKWARD, helpers);
  const { dx, dAbsGamma } = kernels.finishBackward(space);
  // d|gamma|/dgamma is taken as -1 at gamma = 0, as tfjs's gradient of abs does.
  return { dx, dWeights: space.dWeights.slice(), dGamma: gamma > 0 ? dAbsGamma : -dAbsGamma };
}
