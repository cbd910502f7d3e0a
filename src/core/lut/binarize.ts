import * as tf from '@tensorflow/tfjs';

/**
 * sign(x) with sign(0) = +1 in the forward pass and the straight-through estimator in the
 * backward pass: the gradient passes unchanged where |x| <= 1 and is zero elsewhere
 * (the gradient of hardtanh, as in BinaryConnect).
 */
/** The argument type of tf.customGrad, whose declaration types every parameter as a union. */
export type CustomGradientFunction = Parameters<typeof tf.customGrad>[0];

export const steSign = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  const value = tf.where(tf.greaterEqual(x, 0), tf.onesLike(x), tf.onesLike(x).neg());
  const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
    const [input] = saved;
    return tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(input), 1), dy.dtype));
  };
  return { value, gradFunc };
}) as unknown as CustomGradientFunction) as (x: tf.Tensor) => tf.Tensor;
