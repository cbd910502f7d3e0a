import { ExportError } from '../errors';
import type { Netlist, NetlistLayer } from './netlist';

/** Largest table fan-in the simulator and the Verilog writer accept; a 2^16-entry table is already far beyond any FPGA LUT. */
export const MAX_TABLE_INPUTS = 16;

/**
 * Checks that a netlist is self-consistent: array lengths match the layer sizes, every table
 * input indexes the layer's input vector, each layer reads the previous layer's outputs, and
 * only the last layer has a score activation. Throws an ExportError naming the first problem.
 */
export function validateNetlist(netlist: Netlist): void {
  if (netlist.layers.length === 0) {
    throw new ExportError('invalid netlist: it has no layers; a netlist needs at least the output layer');
  }
  checkCount('netlist.inputBits', netlist.inputBits, 1);

  let width = netlist.inputBits;
  netlist.layers.forEach((layer, index) => {
    const isLast = index === netlist.layers.length - 1;
    validateLayer(layer, `layers[${index}] (${layer.name})`, width, isLast);
    width = layer.neurons;
  });

  const last = netlist.layers[netlist.layers.length - 1];
  if (netlist.classes !== last.neurons) {
    throw new ExportError(
      `invalid netlist: classes is ${netlist.classes} but the last layer has ${last.neurons} neurons; set classes to the last layer's neuron count`,
    );
  }
}

function validateLayer(layer: NetlistLayer, where: string, expectedInputWidth: number, isLast: boolean): void {
  if (layer.inputWidth !== expectedInputWidth) {
    throw new ExportError(
      `invalid netlist: ${where} has inputWidth ${layer.inputWidth} but its input vector has ${expectedInputWidth} bits`,
    );
  }
  checkCount(`${where}.k`, layer.k, 1);
  if (layer.k > MAX_TABLE_INPUTS) {
    throw new ExportError(`invalid netlist: ${where} has k = ${layer.k}; at most ${MAX_TABLE_INPUTS} table inputs are supported`);
  }
  checkCount(`${where}.neurons`, layer.neurons, 1);
  checkCount(`${where}.tablesPerNeuron`, layer.tablesPerNeuron, 1);

  const tables = layer.neurons * layer.tablesPerNeuron;
  if (layer.inputs.length !== tables * layer.k) {
    throw new ExportError(
      `invalid netlist: ${where}.inputs has ${layer.inputs.length} entries, expected neurons * tablesPerNeuron * k = ${tables * layer.k}`,
    );
  }
  for (let i = 0; i < layer.inputs.length; i++) {
    const source = layer.inputs[i];
    if (source < 0 || source >= layer.inputWidth) {
      throw new ExportError(`invalid netlist: ${where}.inputs[${i}] is ${source}, outside the input range 0..${layer.inputWidth - 1}`);
    }
  }

  const entries = tables * (1 << layer.k);
  if (layer.truthTables.length !== entries) {
    throw new ExportError(
      `invalid netlist: ${where}.truthTables has ${layer.truthTables.length} entries, expected neurons * tablesPerNeuron * 2^k = ${entries}`,
    );
  }
  for (let i = 0; i < layer.truthTables.length; i++) {
    if (layer.truthTables[i] > 1) {
      throw new ExportError(`invalid netlist: ${where}.truthTables[${i}] is ${layer.truthTables[i]}; truth table entries must be 0 or 1`);
    }
  }

  validateActivation(layer, where, isLast);
}

function validateActivation(layer: NetlistLayer, where: string, isLast: boolean): void {
  const activation = layer.activation;
  if (isLast !== (activation.kind === 'score')) {
    throw new ExportError(
      `invalid netlist: ${where} has a ${activation.kind} activation; the last layer needs a score activation and every other layer a threshold activation`,
    );
  }
  if (activation.kind !== 'threshold') return;

  if (activation.thresholds.length !== layer.neurons || activation.directions.length !== layer.neurons) {
    throw new ExportError(
      `invalid netlist: ${where} has ${activation.thresholds.length} thresholds and ${activation.directions.length} directions for ${layer.neurons} neurons`,
    );
  }
  for (let j = 0; j < layer.neurons; j++) {
    const direction = activation.directions[j];
    if (direction !== 1 && direction !== -1) {
      throw new ExportError(`invalid netlist: ${where}.directions[${j}] is ${direction}; a direction must be +1 or -1`);
    }
  }
}

function checkCount(name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw new ExportError(`invalid netlist: ${name} is ${value}; it must be an integer >= ${minimum}`);
  }
}

/** Number of bits that hold a popcount of `tables` table outputs: ceil(log2(tables + 1)). */
export function popcountWidth(tables: number): number {
  let width = 1;
  while (2 ** width <= tables) width++;
  return width;
}

/** Width of an index into `count` items: ceil(log2(count)), at least 1. */
export function indexWidth(count: number): number {
  let width = 1;
  while (2 ** width < count) width++;
  return width;
}

/**
 * Returns the constant output of a threshold neuron whose comparison does not depend on the popcount
 * (a count of `tables` outputs lies in 0..tables), or undefined when the output varies.
 */
export function constantNeuronOutput(threshold: number, direction: number, tables: number): 0 | 1 | undefined {
  if (direction === 1) {
    if (threshold <= 0) return 1;
    if (threshold > tables) return 0;
  } else {
    if (threshold < 0) return 0;
    if (threshold >= tables) return 1;
  }
  return undefined;
}
