/**
 * The netlist: the contract between training and hardware. The simulator, the Verilog writer
 * and the truth-table views read it; none of them reads layer internals.
 *
 * Conventions, used everywhere:
 * - Bit value 1 stands for the real value +1, bit 0 for -1.
 * - Input i of a table is address bit i, input 0 the least significant bit.
 * - Entry p of a truth table is the table's output bit at address p.
 */

/** Encoder that turns raw input features into the network's input bits. */
export interface SignEncoderSpec {
  kind: 'sign';
  /** A feature (0-255) becomes bit 1 when it is strictly greater than this threshold. */
  threshold: number;
  /** Shape of one raw sample, e.g. [28, 28]; input bit i is feature i in row-major order. */
  inputShape: number[];
}

/**
 * A hidden layer's neuron output: with direction +1 the bit is 1 when popcount >= threshold,
 * with direction -1 the bit is 1 when popcount <= threshold. Constant neurons use direction +1
 * with threshold 0 (always 1) or threshold tablesPerNeuron + 1 (always 0).
 */
export interface ThresholdActivation {
  kind: 'threshold';
  thresholds: Int32Array;
  directions: Int8Array;
}

/** The output layer: each neuron's popcount is a class score; the prediction is the argmax, the lowest index winning ties. */
export interface ScoreActivation {
  kind: 'score';
}

/** One layer of tables: every neuron owns `tablesPerNeuron` tables of `k` inputs each. */
export interface NetlistLayer {
  /** Origin of the layer, e.g. `layers[2] LutLinear`. */
  name: string;
  /** Width of the bit vector the tables read (the previous layer's neurons, or the input bits). */
  inputWidth: number;
  /** Inputs per table (1 for a BinaryLinear weight). */
  k: number;
  neurons: number;
  tablesPerNeuron: number;
  /** Table inputs, [neurons][tablesPerNeuron][k] flattened: indices into the layer's input bits. */
  inputs: Int32Array;
  /** Truth tables, [neurons][tablesPerNeuron][2^k] flattened, each entry 0 or 1. */
  truthTables: Uint8Array;
  activation: ThresholdActivation | ScoreActivation;
}

export interface Netlist {
  format: 'deeplut-netlist';
  version: 1;
  encoder: SignEncoderSpec;
  /** Width of the input bit vector: the product of `encoder.inputShape`. */
  inputBits: number;
  /** Layers in order; only the last one has a score activation. */
  layers: NetlistLayer[];
  /** Number of classes: the last layer's neuron count. */
  classes: number;
}

/** Index of the first entry of table `t` of neuron `j` in `inputs` (multiply by k) or `truthTables` (by 2^k). */
export function tableIndex(layer: NetlistLayer, neuron: number, table: number): number {
  return neuron * layer.tablesPerNeuron + table;
}
