import * as tf from '@tensorflow/tfjs';
import { steSign } from './binarize';
import { entriesPerTable, type LutOptions, type LutShape } from './shape';

/**
 * The LUT op as a composition of tfjs ops, differentiated by tfjs autodiff. It materialises a
 * [batch, neurons, tablesPerNeuron, k, 2^k] tensor, as the published PyTorch deeplut does, so
 * it is slow and memory hungry; it is the reference that every fast kernel is tested against.
 * It needs the gradient of `gather` (UnsortedSegmentSum), which the cpu backend has and the
 * wasm backend of tfjs 4.22 lacks.
 *
 *     y[b][j] = sum_t |gamma| * sum_p w_t,p * prod_i (1 + s_p,i x[b][mask_t,i]) / 2
 */
export function lutReference(
  x: tf.Tensor2D,
  weights: tf.Tensor,
  gamma: tf.Scalar,
  mask: Int32Array,
  shape: LutShape,
  options: LutOptions,
): tf.Tensor2D {
  return tf.tidy(() => {
    const { neurons, tablesPerNeuron, k } = shape;
    const entries = entriesPerTable(shape);
    const batch = x.shape[0];

    const gathered = tf.gather(x, tf.tensor1d(mask, 'int32'), 1).reshape([batch, neurons, tablesPerNeuron, k, 1]);

    // patterns[i][p] = s_p,i: +1 where bit i of address p is set, -1 elsewhere.
    const patterns = new Float32Array(k * entries);
    for (let i = 0; i < k; i++) {
      for (let p = 0; p < entries; p++) patterns[i * entries + p] = (p >> i) & 1 ? 1 : -1;
    }
    const factors = tf.add(1, tf.mul(gathered, tf.tensor2d(patterns, [k, entries]))).div(2);
    const basis = tf.prod(factors, 3);

    const entryValues = options.binarizeEntries ? steSign(weights) : weights;
    const tableSums = tf.sum(tf.mul(basis, entryValues.reshape([neurons, tablesPerNeuron, entries])), 3);
    const scaled = tf.mul(tf.abs(gamma), tableSums);
    const outputs = options.binarizeOutput ? steSign(scaled) : scaled;
    return tf.sum(outputs, 2) as tf.Tensor2D;
  });
}
