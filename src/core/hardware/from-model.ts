import * as tf from '@tensorflow/tfjs';
import { ExportError } from '../errors';
import { BatchNorm } from '../layers/batch-norm';
import type { Layer } from '../layers/layer';
import { BinaryLinear } from '../layers/linear';
import { LutLinear } from '../layers/lut-linear';
import { steSign } from '../lut/binarize';
import { Flatten, Sign } from '../layers/simple';
import type { Model } from '../train/model';
import { readAndDispose } from '../read';
import { readVariable } from '../layers/state';
import type { Netlist, NetlistLayer, ThresholdActivation } from './netlist';

/** A table layer of the model with the BatchNorm and Sign layers that follow it. */
interface LayerGroup {
  layer: LutLinear | BinaryLinear;
  /** Layers between this table layer and the next one: BatchNorm, Sign. */
  followers: Layer[];
}

/** Tables of one layer as the netlist stores them, before the activation is known. */
interface TableLayer extends LayerGroup {
  k: number;
  tablesPerNeuron: number;
  inputs: Int32Array;
  truthTables: Uint8Array;
  /**
   * The value the model's layer outputs for a neuron whose tables sum to S (an integer from
   * -n to n): exactly what the kernels compute, so that thresholds derived from it agree with
   * the model bit for bit.
   */
  outputForSum: (sum: number) => number;
}

/** Reads the truth tables of a group's table layer. */
async function tablesOf({ layer, followers }: LayerGroup): Promise<TableLayer> {
  if (layer instanceof BinaryLinear) {
    const n = layer.inputWidth;
    const inputs = new Int32Array(layer.outputWidth * n);
    for (let j = 0; j < layer.outputWidth; j++) for (let i = 0; i < n; i++) inputs[j * n + i] = i;
    const weightBits = await layer.weightBits();
    const truthTables = new Uint8Array(weightBits.length * 2);
    // A one-input table of weight +1 is the identity (01), of weight -1 the inverter (10).
    for (let t = 0; t < weightBits.length; t++) {
      truthTables[2 * t] = 1 - weightBits[t];
      truthTables[2 * t + 1] = weightBits[t];
    }
    return { layer, k: 1, tablesPerNeuron: n, inputs, truthTables, outputForSum: (sum) => sum, followers };
  }

  const [tables, gammaValue] = await Promise.all([layer.truthTables(), readVariable(layer.gamma)]);
  const gamma = Math.abs(gammaValue[0]);
  const binarizedOutput = layer.binarization >= 3;
  return {
    layer,
    k: tables.k,
    tablesPerNeuron: layer.tablesPerNeuron,
    inputs: tables.inputs,
    truthTables: tables.bits,
    outputForSum: (sum) => (binarizedOutput ? sum : Math.fround(sum * gamma)),
    followers,
  };
}

/** Splits the model into table layers, each with the BatchNorm and Sign layers that follow it. */
function groupLayers(model: Model): LayerGroup[] {
  const groups: LayerGroup[] = [];
  for (const layer of model.layers) {
    if (layer instanceof Flatten) {
      if (groups.length > 0) throw new ExportError(`${layer.name}: a Flatten between table layers cannot be exported; move it to the start of the network`);
      continue;
    }
    if (layer instanceof LutLinear || layer instanceof BinaryLinear) {
      groups.push({ layer, followers: [] });
      continue;
    }
    if (layer instanceof BatchNorm || layer instanceof Sign) {
      if (groups.length === 0) throw new ExportError(`${layer.name}: the first exported layer must read the input bits directly; remove the ${layer.type} before the first LutLinear or BinaryLinear`);
      const followers = groups[groups.length - 1].followers;
      if (layer instanceof BatchNorm && followers.some((f) => f instanceof BatchNorm)) {
        throw new ExportError(`${layer.name}: two BatchNorm layers in a row cannot be exported; remove one`);
      }
      followers.push(layer);
      continue;
    }
    throw new ExportError(`${layer.name}: ${layer.type} layers have no hardware form; replace it with LutLinear or BinaryLinear to export the model`);
  }
  if (groups.length === 0) throw new ExportError('the model has no LutLinear or BinaryLinear layer to export');
  const last = groups[groups.length - 1];
  if (last.followers.length > 0) {
    throw new ExportError(
      `${last.followers[0].name}: the output layer's class scores must be its popcounts; remove the ${last.followers.map((f) => f.type).join(' and ')} after ${last.layer.name}`,
    );
  }
  return groups;
}

/**
 * Derives each neuron's popcount threshold by running the model's own BatchNorm and Sign
 * layers (inference mode) on every possible table sum. The neuron fires for a monotone set of
 * popcounts, so a threshold and a direction describe it exactly, whatever the sign of the
 * BatchNorm scale and even for zero variance.
 */
async function thresholdsOf(group: TableLayer): Promise<ThresholdActivation> {
  const n = group.tablesPerNeuron;
  const neurons = group.layer.outputWidth;
  const candidates = new Float32Array((n + 1) * neurons);
  for (let pop = 0; pop <= n; pop++) {
    const value = group.outputForSum(2 * pop - n);
    for (let j = 0; j < neurons; j++) candidates[pop * neurons + j] = value;
  }
  const fired = await readAndDispose(
    tf.tidy(() => {
      let activation = tf.tensor2d(candidates, [n + 1, neurons]);
      for (const follower of group.followers) activation = follower.apply(activation, { training: false, binary: true });
      return steSign(activation);
    }),
  );

  const thresholds = new Int32Array(neurons);
  const directions = new Int8Array(neurons);
  for (let j = 0; j < neurons; j++) {
    const bits: number[] = [];
    for (let pop = 0; pop <= n; pop++) bits.push(fired[pop * neurons + j] > 0 ? 1 : 0);
    const ones = bits.reduce((a, b) => a + b, 0);
    const firstOne = bits.indexOf(1);
    const lastOne = bits.lastIndexOf(1);
    if (ones === 0) {
      thresholds[j] = n + 1;
      directions[j] = 1;
    } else if (lastOne === n && ones === n + 1 - firstOne) {
      thresholds[j] = firstOne;
      directions[j] = 1;
    } else if (firstOne === 0 && ones === lastOne + 1) {
      thresholds[j] = lastOne;
      directions[j] = -1;
    } else {
      throw new ExportError(
        `${group.layer.name}: neuron ${j} fires for a non-monotone set of popcounts; its BatchNorm contains a non-finite value. Retrain or check the saved model`,
      );
    }
  }
  return { kind: 'threshold', thresholds, directions };
}

/** Checks that the output layer's class scores order like its popcounts, ties included. */
function checkScoreOrder(group: TableLayer): void {
  const n = group.tablesPerNeuron;
  let previous = group.outputForSum(-n);
  for (let sum = -n + 2; sum <= n; sum += 2) {
    const value = group.outputForSum(sum);
    if (!(value > previous)) {
      throw new ExportError(`${group.layer.name}: its gamma is 0 or too small to separate the class scores, so the model's argmax is not the popcount's; retrain the model`);
    }
    previous = value;
  }
}

/**
 * Converts a trained model into the netlist that its exportable (binary) inference computes:
 * per table its inputs and truth table, per hidden neuron a popcount threshold folded from
 * BatchNorm and Sign, and popcount class scores in the last layer. The tables of all layers are
 * read asynchronously and together, then the thresholds, so the webgpu backend needs no
 * synchronous read. The model must not change while the returned promise is pending.
 */
export async function modelToNetlist(model: Model, inputShape: number[]): Promise<Netlist> {
  const groups = await Promise.all(groupLayers(model).map(tablesOf));
  const hiddenCount = groups.length - 1;
  const thresholds = await Promise.all(groups.slice(0, hiddenCount).map(thresholdsOf));
  checkScoreOrder(groups[hiddenCount]);
  const layers: NetlistLayer[] = groups.map((group, index) => ({
    name: group.layer.name,
    inputWidth: group.layer.inputWidth,
    k: group.k,
    neurons: group.layer.outputWidth,
    tablesPerNeuron: group.tablesPerNeuron,
    inputs: group.inputs,
    truthTables: group.truthTables,
    activation: index < hiddenCount ? thresholds[index] : { kind: 'score' },
  }));

  return {
    format: 'deeplut-netlist',
    version: 1,
    encoder: { kind: 'sign', threshold: model.spec.encoder.threshold, inputShape },
    inputBits: model.inputWidth,
    layers,
    classes: model.classes,
  };
}
