import * as tf from '@tensorflow/tfjs';
import { gatherBatch } from '../data/batches';
import type { Dataset } from '../data/dataset';
import type { ForwardContext } from '../layers/layer';
import type { Model } from './model';
import { argmaxRows } from '../argmax';
import { readAndDispose } from '../read';

export interface Evaluation {
  accuracy: number;
  predictions: Int32Array;
  /** Model outputs, [count][classes]. */
  logits: Float32Array;
}

/**
 * Runs the model over a whole dataset in inference mode (stored BatchNorm statistics) and
 * returns its predictions. `binary` selects the exportable semantics that the netlist and the
 * Verilog reproduce bit for bit. Each batch's outputs are read asynchronously, one read per
 * batch.
 */
export async function evaluate(model: Model, data: Dataset, options: { binary: boolean; batchSize?: number }): Promise<Evaluation> {
  const batchSize = options.batchSize ?? 500;
  const context: ForwardContext = { training: false, binary: options.binary };
  const logits = new Float32Array(data.count * model.classes);
  const threshold = model.spec.encoder.threshold;

  for (let start = 0; start < data.count; start += batchSize) {
    const end = Math.min(start + batchSize, data.count);
    const indices = new Int32Array(end - start).map((_, i) => start + i);
    const batch = gatherBatch(data, indices, threshold);
    const outputs = tf.tidy(() => model.apply(tf.tensor2d(batch.inputs, [batch.size, data.featureCount]), context));
    logits.set(await readAndDispose(outputs), start * model.classes);
  }

  const predictions = argmaxRows(logits, data.count, model.classes);
  let correct = 0;
  for (let i = 0; i < data.count; i++) if (predictions[i] === data.labels[i]) correct++;
  return { accuracy: correct / data.count, predictions, logits };
}
