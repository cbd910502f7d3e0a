/**
 * Bit-sliced netlist simulator: 32 samples share one Uint32 word, so every boolean operation on
 * a word evaluates 32 samples at once. The results match the Verilog bit for bit, including the
 * argmax tie rule (the lowest class index wins).
 *
 * Where WebAssembly with SIMD runs, simulate.wat evaluates the tables instead, on 128-bit
 * vectors of four words. It computes the same counts as `countNeuron` below.
 */
import { DataError } from '../errors';
import { argmaxRows } from '../argmax';
import type { Netlist, NetlistLayer } from './netlist';
import { compileWasm } from '../wasm';
import { SIMULATOR_KERNEL } from './simulate-wasm-binary';
import { constantNeuronOutput, popcountWidth, validateNetlist } from './validate';

/** A bit vector per sample, stored bit-sliced: `data[bit * words + w]` contains that bit for samples 32w..32w+31, sample 32w in bit 0. */
export interface PackedBits {
  /** Bits per sample. */
  width: number;
  samples: number;
  /** Words per bit: ceil(samples / 32). */
  words: number;
  data: Uint32Array;
}

export interface SimulationResult {
  samples: number;
  classes: number;
  /** Predicted class per sample: the argmax of its scores, the lowest index winning ties. */
  predictions: Int32Array;
  /** Class scores (the last layer's popcounts), [samples][classes] flattened. */
  scores: Int32Array;
  /** Each hidden layer's output bits, present when `keepLayerOutputs` is set. */
  layerOutputs?: PackedBits[];
}

export interface SimulationOptions {
  /** Keep every hidden layer's output bits in the result (memory: neurons * samples / 8 bytes per layer). */
  keepLayerOutputs?: boolean;
}

/** Converts `[samples][width]` bits (one 0/1 byte each) to the bit-sliced form. */
export function packBits(bits: Uint8Array, samples: number, width: number): PackedBits {
  if (bits.length !== samples * width) {
    throw new DataError(`bit array has ${bits.length} entries, expected samples * width = ${samples} * ${width} = ${samples * width}`);
  }
  const words = Math.ceil(samples / 32);
  const data = new Uint32Array(width * words);

  for (let s = 0; s < samples; s++) {
    const word = s >>> 5;
    const mask = (1 << (s & 31)) >>> 0;
    const row = s * width;
    for (let i = 0; i < width; i++) {
      if (bits[row + i] !== 0) data[i * words + word] |= mask;
    }
  }
  return { width, samples, words, data };
}

/** Converts bit-sliced bits back to `[samples][width]` bytes of 0 or 1. */
export function unpackBits(packed: PackedBits): Uint8Array {
  const { width, samples, words, data } = packed;
  const bits = new Uint8Array(samples * width);
  for (let i = 0; i < width; i++) {
    for (let s = 0; s < samples; s++) {
      bits[s * width + i] = (data[i * words + (s >>> 5)] >>> (s & 31)) & 1;
    }
  }
  return bits;
}

/** Sign encoder: feature value f becomes bit 1 when f > threshold, else bit 0. */
export function encodeSign(features: Uint8Array, threshold: number): Uint8Array {
  const bits = new Uint8Array(features.length);
  for (let i = 0; i < features.length; i++) bits[i] = features[i] > threshold ? 1 : 0;
  return bits;
}

/**
 * Runs the netlist on `samples` input vectors, `inputBits` being `[samples][netlist.inputBits]`
 * bytes of 0 or 1. Returns the class scores and the predicted classes.
 */
export function simulateNetlist(
  netlist: Netlist,
  inputBits: Uint8Array,
  samples: number,
  options: SimulationOptions = {},
): SimulationResult {
  validateNetlist(netlist);
  let current = packBits(inputBits, samples, netlist.inputBits);
  const layerOutputs: PackedBits[] = [];

  const hidden = netlist.layers.slice(0, -1);
  for (const layer of hidden) {
    current = evaluateThresholdLayer(layer, current);
    if (options.keepLayerOutputs) layerOutputs.push(current);
  }

  const last = netlist.layers[netlist.layers.length - 1];
  const scores = evaluateScoreLayer(last, current);
  const predictions = argmaxRows(scores, samples, netlist.classes);

  const result: SimulationResult = { samples, classes: netlist.classes, predictions, scores };
  if (options.keepLayerOutputs) result.layerOutputs = layerOutputs;
  return result;
}


/**
 * Adds all tables of `neuron` into the vertical counters, for every word of samples at once:
 * `counter[b * words + w]` contains bit b of the popcount of samples 32w..32w+31. Each table is
 * evaluated by Shannon expansion, one mux-tree level at a time over all words, so the inner
 * loops are long and branch-free: level 0 selects each entry pair with input 0 (the address
 * LSB), level i merges the pairs that differ in address bit i. Each table output then enters
 * the counters by a ripple-carry increment that stops as soon as no sample carries. Bit-sliced
 * data is read through Int32Array views, so that the JIT keeps the words as small integers.
 * `scratch` needs 2^(k-1) * words entries.
 */
function countNeuron(
  layer: NetlistLayer,
  neuron: number,
  inputRows: Int32Array,
  source: Int32Array,
  words: number,
  counter: Int32Array,
  scratch: Int32Array,
): void {
  counter.fill(0);
  const k = layer.k;
  const entries = 1 << k;
  const bits = counter.length / words;
  const truthTables = layer.truthTables;

  for (let t = 0; t < layer.tablesPerNeuron; t++) {
    const table = neuron * layer.tablesPerNeuron + t;
    const entryOffset = table * entries;
    const inputOffset = table * k;

    const select0 = inputRows[inputOffset];
    let live = entries >> 1;
    for (let p = 0; p < live; p++) {
      const low = truthTables[entryOffset + 2 * p];
      const high = truthTables[entryOffset + 2 * p + 1];
      const out = p * words;
      if (low === high) scratch.fill(low ? -1 : 0, out, out + words);
      else if (high) for (let w = 0; w < words; w++) scratch[out + w] = source[select0 + w];
      else for (let w = 0; w < words; w++) scratch[out + w] = ~source[select0 + w];
    }

    for (let i = 1; i < k; i++) {
      const select = inputRows[inputOffset + i];
      live >>= 1;
      for (let p = 0; p < live; p++) {
        const out = p * words;
        const lowBase = 2 * p * words;
        const highBase = lowBase + words;
        for (let w = 0; w < words; w++) {
          const low = scratch[lowBase + w];
          scratch[out + w] = low ^ ((low ^ scratch[highBase + w]) & source[select + w]);
        }
      }
    }

    for (let w = 0; w < words; w++) {
      let carry = scratch[w];
      for (let b = 0; carry !== 0 && b < bits; b++) {
        const index = b * words + w;
        const next = counter[index] & carry;
        counter[index] ^= carry;
        carry = next;
      }
    }
  }
}

interface SimulatorKernel {
  countNeuron(
    neuron: number, tablesPerNeuron: number, k: number,
    truthTables: number, inputs: number, source: number, vectors: number,
    counter: number, bits: number, scratch: number,
  ): void;
}

/** The compiled simulate.wat: undefined before the first use, null where it does not compile. */
let simulatorModule: WebAssembly.Module | null | undefined;
let simulatorWasmAllowed = true;

/** Turns the WebAssembly table evaluation on or off (default on), with the same results. Tests and benchmarks use it. */
export function useSimulatorWasm(enabled: boolean): void {
  simulatorWasmAllowed = enabled;
}

/** Returns true when the simulator evaluates tables in WebAssembly. */
export function simulatorUsesWasm(): boolean {
  if (!simulatorWasmAllowed) return false;
  if (simulatorModule === undefined) simulatorModule = compileWasm(SIMULATOR_KERNEL) ?? null;
  return simulatorModule !== null;
}

/**
 * One layer's truth tables, inputs and input bits in a WebAssembly memory, laid out as
 * simulate.wat reads them: every row of bits padded to whole 128-bit vectors.
 */
class WasmLayer {
  private readonly kernel: SimulatorKernel;
  private readonly memory: WebAssembly.Memory;
  private readonly vectors: number;
  private readonly at: { truthTables: number; inputs: number; source: number; counter: number; scratch: number };

  constructor(
    private readonly layer: NetlistLayer,
    input: PackedBits,
    private readonly bits: number,
  ) {
    const vectors = Math.ceil(input.words / 4);
    const rowBytes = 16 * vectors;
    let size = 0;
    const place = (bytes: number) => {
      const offset = size;
      size += (bytes + 15) & ~15;
      return offset;
    };
    this.vectors = vectors;
    this.at = {
      truthTables: place(layer.truthTables.length),
      inputs: place(4 * layer.inputs.length),
      source: place(input.width * rowBytes),
      counter: place(bits * rowBytes),
      scratch: place((1 << (layer.k - 1)) * rowBytes),
    };
    const pages = Math.max(1, Math.ceil(size / 65536));
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.kernel = new WebAssembly.Instance(simulatorModule!, { env: { memory: this.memory } }).exports as unknown as SimulatorKernel;
    const buffer = this.memory.buffer;
    new Uint8Array(buffer, this.at.truthTables, layer.truthTables.length).set(layer.truthTables);
    new Int32Array(buffer, this.at.inputs, layer.inputs.length).set(layer.inputs);
    const source = new Uint32Array(buffer, this.at.source, input.width * 4 * vectors);
    for (let row = 0; row < input.width; row++) {
      source.set(input.data.subarray(row * input.words, (row + 1) * input.words), row * 4 * vectors);
    }
  }

  /** Fills `counter` ([bits][words], as countNeuron leaves it) with the popcounts of `neuron`. */
  count(neuron: number, counter: Int32Array, words: number): void {
    const { layer, at, vectors, bits } = this;
    this.kernel.countNeuron(neuron, layer.tablesPerNeuron, layer.k, at.truthTables, at.inputs, at.source, vectors, at.counter, bits, at.scratch);
    const counts = new Int32Array(this.memory.buffer, at.counter, bits * 4 * vectors);
    for (let b = 0; b < bits; b++) counter.set(counts.subarray(b * 4 * vectors, b * 4 * vectors + words), b * words);
  }
}

/** Returns the WebAssembly form of a layer for this input, or undefined where it cannot run. */
function wasmLayer(layer: NetlistLayer, input: PackedBits, bits: number): WasmLayer | undefined {
  return input.words > 0 && simulatorUsesWasm() ? new WasmLayer(layer, input, bits) : undefined;
}

/** Row offsets of each table input in the source bits: `inputs[i] * words`. */
function inputRowOffsets(layer: NetlistLayer, words: number): Int32Array {
  const rows = new Int32Array(layer.inputs.length);
  for (let i = 0; i < rows.length; i++) rows[i] = layer.inputs[i] * words;
  return rows;
}

/** Views bit-sliced words as Int32, the form the evaluation loops use. */
function asInt32(data: Uint32Array): Int32Array {
  return new Int32Array(data.buffer, data.byteOffset, data.length);
}

/**
 * Bit-sliced comparison of word w of the vertical counter with a constant: returns a word
 * whose bit s is 1 when sample s's count is >= threshold. Scans from the most significant bit,
 * tracking "greater so far" and "equal so far". The threshold must lie in 0..2^bits - 1.
 */
function greaterOrEqual(counter: Int32Array, words: number, w: number, threshold: number): number {
  const bits = counter.length / words;
  let greater = 0;
  let equal = -1;
  for (let b = bits - 1; b >= 0; b--) {
    const word = counter[b * words + w];
    if ((threshold >>> b) & 1) {
      equal &= word;
    } else {
      greater |= equal & word;
      equal &= ~word;
    }
  }
  return greater | equal;
}

function evaluateThresholdLayer(layer: NetlistLayer, input: PackedBits): PackedBits {
  if (layer.activation.kind !== 'threshold') {
    throw new Error(`evaluateThresholdLayer called on ${layer.name}, which has a ${layer.activation.kind} activation`);
  }
  const { thresholds, directions } = layer.activation;
  const words = input.words;
  const output = new Uint32Array(layer.neurons * words);
  const outputWords = asInt32(output);
  const source = asInt32(input.data);
  const inputRows = inputRowOffsets(layer, words);
  const counter = new Int32Array(popcountWidth(layer.tablesPerNeuron) * words);
  const scratch = new Int32Array((1 << (layer.k - 1)) * words);
  const wasm = wasmLayer(layer, input, popcountWidth(layer.tablesPerNeuron));
  const tailMask = input.samples % 32 === 0 ? -1 : (1 << (input.samples % 32)) - 1;

  for (let j = 0; j < layer.neurons; j++) {
    const row = j * words;
    const constant = constantNeuronOutput(thresholds[j], directions[j], layer.tablesPerNeuron);
    if (constant !== undefined) {
      outputWords.fill(constant ? -1 : 0, row, row + words);
    } else {
      if (wasm) wasm.count(j, counter, words);
      else countNeuron(layer, j, inputRows, source, words, counter, scratch);
      for (let w = 0; w < words; w++) {
        // With direction -1, count <= T is the complement of count >= T + 1.
        outputWords[row + w] =
          directions[j] === 1 ? greaterOrEqual(counter, words, w, thresholds[j]) : ~greaterOrEqual(counter, words, w, thresholds[j] + 1);
      }
    }
    if (words > 0) outputWords[row + words - 1] &= tailMask;
  }
  return { width: layer.neurons, samples: input.samples, words, data: output };
}

function evaluateScoreLayer(layer: NetlistLayer, input: PackedBits): Int32Array {
  const { samples, words } = input;
  const scores = new Int32Array(samples * layer.neurons);
  const source = asInt32(input.data);
  const inputRows = inputRowOffsets(layer, words);
  const bits = popcountWidth(layer.tablesPerNeuron);
  const counter = new Int32Array(bits * words);
  const scratch = new Int32Array((1 << (layer.k - 1)) * words);
  const wasm = wasmLayer(layer, input, bits);

  for (let j = 0; j < layer.neurons; j++) {
    if (wasm) wasm.count(j, counter, words);
    else countNeuron(layer, j, inputRows, source, words, counter, scratch);
    for (let w = 0; w < words; w++) {
      const end = Math.min(32, samples - 32 * w);
      for (let s = 0; s < end; s++) {
        let score = 0;
        for (let b = 0; b < bits; b++) score |= ((counter[b * words + w] >>> s) & 1) << b;
        scores[(32 * w + s) * layer.neurons + j] = score;
      }
    }
  }
  return scores;
}
