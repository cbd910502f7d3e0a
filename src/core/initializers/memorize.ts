import * as tf from '@tensorflow/tfjs';
import { gatherBatch } from '../data/batches';
import type { Dataset } from '../data/dataset';
import { LutLinear } from '../layers/lut-linear';
import type { Random } from '../random';
import type { Model } from '../train/model';
import { readAndDispose } from '../read';

/**
 * The Memorize initializer (LUTNet's "learning and memorization"): before gradient training,
 * one pass over the training set fills each table of a LutLinear layer from the addresses that
 * the samples produce. For table t of neuron j and each sample, the count of that address goes up when the neuron's binary target is positive and down when it is negative. Each
 * entry becomes the sign of its count; ties, including addresses never seen, are broken by a
 * seeded coin.
 *
 * Targets are one-vs-rest. Output neuron j targets class j. Hidden neuron j of a layer targets
 * class (j mod classes), so every class gets detectors in every hidden layer. Positive samples
 * weigh (negatives / positives) so that both sides of each one-vs-rest task count equally.
 * Layers are memorized in order; each sees its inputs through the already-initialized layers
 * before it, in the exportable binary semantics.
 */
export async function memorizeLayer(model: Model, layerIndex: number, data: Dataset, rng: Random, batchSize = 500): Promise<void> {
  const layer = model.layers[layerIndex];
  if (!(layer instanceof LutLinear)) throw new Error(`${layer.name}: memorize applies to LutLinear layers only`);
  const { k, tablesPerNeuron, mask } = layer;
  const entries = 1 << k;
  const neurons = layer.outputWidth;
  const width = layer.inputWidth;
  const classes = model.classes;
  const counts = new Float64Array(layer.tableCount * entries);

  const perClass = new Float64Array(classes);
  for (let i = 0; i < data.count; i++) perClass[data.labels[i]]++;
  const positiveWeight = (c: number) => (perClass[c] > 0 ? (data.count - perClass[c]) / perClass[c] : 0);

  for (let start = 0; start < data.count; start += batchSize) {
    const end = Math.min(start + batchSize, data.count);
    const indices = new Int32Array(end - start).map((_, i) => start + i);
    const batch = gatherBatch(data, indices, model.spec.encoder.threshold);
    const activation = tf.tidy(() => {
      let x = tf.tensor2d(batch.inputs, [batch.size, data.featureCount]);
      for (let l = 0; l < layerIndex; l++) x = model.layers[l].apply(x, { training: false, binary: true });
      return x;
    });
    const inputs = await readAndDispose(activation);

    for (let b = 0; b < batch.size; b++) {
      const label = batch.labels[b];
      const row = b * width;
      for (let j = 0; j < neurons; j++) {
        const target = j % classes;
        const vote = label === target ? positiveWeight(target) : -1;
        for (let tj = 0; tj < tablesPerNeuron; tj++) {
          const t = j * tablesPerNeuron + tj;
          let address = 0;
          for (let i = 0; i < k; i++) if (inputs[row + mask[t * k + i]] >= 0) address |= 1 << i;
          counts[t * entries + address] += vote;
        }
      }
    }
  }

  const values = new Float32Array(counts.length);
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) values[i] = rng.sign();
    else values[i] = counts[i] > 0 ? 1 : -1;
  }
  layer.setEntries(values);
}

/** Memorizes every LutLinear layer whose spec sets `init: "memorize"`, in order. */
export async function applyMemorize(model: Model, data: Dataset, rng: Random): Promise<void> {
  for (const [index, layer] of model.layers.entries()) {
    if (layer instanceof LutLinear && layer.spec.init === 'memorize') await memorizeLayer(model, index, data, rng.derive(`layers[${index}]`));
  }
}
