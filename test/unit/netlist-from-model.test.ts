import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExportError } from '../../src/core/errors';
import { modelToNetlist } from '../../src/core/hardware/from-model';
import type { ThresholdActivation } from '../../src/core/hardware/netlist';
import { BatchNorm } from '../../src/core/layers/batch-norm';
import { BinaryLinear } from '../../src/core/layers/linear';
import { LutLinear } from '../../src/core/layers/lut-linear';
import { parseSpec } from '../../src/core/spec/validate';
import { buildModel } from '../../src/core/train/model';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function smallModel(layers: unknown[], inputWidth = 4, classes = 2) {
  return buildModel(parseSpec({ layers, seed: 3 }), inputWidth, classes);
}

describe('BatchNorm and Sign folding', () => {
  it('gives the hand-computed thresholds', async () => {
    const model = smallModel([{ type: 'BinaryLinear', out: 4 }, { type: 'BatchNorm', epsilon: 1e-5 }, { type: 'Sign' }, { type: 'LutLinear', out: 2, k: 2 }]);
    const norm = model.layers[1] as BatchNorm;
    // The BinaryLinear sum over 4 inputs is S = 2 * popcount - 4.
    // Neuron 0: 2 S / sqrt(1 + eps) + 1 >= 0  <=>  S >= -0.5  <=>  popcount >= 2.
    // Neuron 1: negative scale, -(S - 1) / 2 + 0.5 >= 0  <=>  S <= 2  <=>  popcount <= 3.
    // Neuron 2: zero variance, S / sqrt(eps) - 3 >= 0  <=>  S >= 0.0095  <=>  popcount >= 3.
    // Neuron 3: zero scale and negative offset: never fires.
    norm.scale.assign(tf.tensor1d([2, -1, 1, 0]));
    norm.offset.assign(tf.tensor1d([1, 0.5, -3, -1]));
    norm.movingMean.assign(tf.tensor1d([0, 1, 0, 0]));
    norm.movingVariance.assign(tf.tensor1d([1, 4, 0, 1]));

    const netlist = await modelToNetlist(model, [4]);
    const activation = netlist.layers[0].activation as ThresholdActivation;
    expect(activation.kind).toBe('threshold');
    expect(Array.from(activation.thresholds)).toEqual([2, 3, 3, 5]);
    expect(Array.from(activation.directions)).toEqual([1, -1, 1, 1]);
    expect(netlist.layers[1].activation.kind).toBe('score');
  });

  it('folds a Sign without BatchNorm to popcount >= n / 2', async () => {
    const model = smallModel([{ type: 'BinaryLinear', out: 3 }, { type: 'Sign' }, { type: 'BinaryLinear', out: 2 }], 5);
    const activation = (await modelToNetlist(model, [5])).layers[0].activation as ThresholdActivation;
    // sign(2p - 5) = +1 for p >= 3 (sign(0) = +1 cannot occur with an odd width).
    expect(Array.from(activation.thresholds)).toEqual([3, 3, 3]);
  });
});

describe('table export', () => {
  it('reads truth table bits as latent entry >= 0', async () => {
    const model = smallModel([{ type: 'LutLinear', out: 2, k: 2, mask: { kind: 'minimal' } }]);
    const layer = model.layers[0] as LutLinear;
    layer.setEntries(new Float32Array([0.5, -0.1, 0, -1, 1, 1, -0.3, 0.2, -1, -1, -1, 1, 0.1, 0.2, -0.2, 0.9]));
    const netlist = await modelToNetlist(model, [4]);
    expect(netlist.layers[0].k).toBe(2);
    expect(Array.from(netlist.layers[0].inputs)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(Array.from(netlist.layers[0].truthTables)).toEqual([1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0, 1]);
  });

  it('exports BinaryLinear weights as identity and inverter tables', async () => {
    const model = smallModel([{ type: 'BinaryLinear', out: 2 }], 3);
    (model.layers[0] as BinaryLinear).weights.assign(tf.tensor2d([[0.2, -0.2], [-0.7, 0], [0.1, 0.4]]));
    const layer = (await modelToNetlist(model, [3])).layers[0];
    expect(layer.k).toBe(1);
    // Neuron 0 weights (+, -, +), neuron 1 weights (-, +, +).
    expect(Array.from(layer.truthTables)).toEqual([0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 1]);
  });

  it('rejects a Dense layer by name', async () => {
    const model = smallModel([{ type: 'Dense', out: 4 }, { type: 'Sign' }, { type: 'LutLinear', out: 2, k: 2 }]);
    await expect(modelToNetlist(model, [4])).rejects.toThrow(new ExportError('layers[0] Dense: Dense layers have no hardware form; replace it with LutLinear or BinaryLinear to export the model'));
  });

  it('rejects a BatchNorm after the output layer', async () => {
    const model = smallModel([{ type: 'LutLinear', out: 2, k: 2 }, { type: 'BatchNorm' }]);
    await expect(modelToNetlist(model, [4])).rejects.toThrow(/layers\[1\] BatchNorm: the output layer's class scores must be its popcounts/);
  });

  it('rejects an output layer with gamma 0', async () => {
    const model = smallModel([{ type: 'LutLinear', out: 2, k: 2 }]);
    (model.layers[0] as LutLinear).gamma.assign(tf.scalar(0));
    await expect(modelToNetlist(model, [4])).rejects.toThrow(/gamma is 0 or too small/);
  });
});
