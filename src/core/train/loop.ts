import * as tf from '@tensorflow/tfjs';
import { epochBatches, gatherBatch } from '../data/batches';
import type { DataSplit } from '../data/dataset';
import { applyMemorize } from '../initializers/memorize';
import { createOptimizer, type BinaryOptimizer } from '../optim/binary';
import { DeepLutError } from '../errors';
import { Random } from '../random';
import { trainingPhases } from '../spec/validate';
import { argmaxRows } from '../argmax';
import { readAndDispose } from '../read';
import { evaluate } from './evaluate';
import type { Model } from './model';

/** Progress after each training batch. */
export interface BatchProgress {
  phase: number;
  /** 1-based epoch over all phases. */
  epoch: number;
  epochs: number;
  /** 1-based batch within the epoch. */
  batch: number;
  batches: number;
  /** Samples in this batch. */
  size: number;
  /** Mean cross-entropy of this epoch's batches so far. */
  loss: number;
  /** Training accuracy of this epoch's batches so far, as trained (not the binary model). */
  accuracy: number;
  samplesPerSecond: number;
}

/** Metrics at the end of each epoch. */
export interface EpochMetrics {
  phase: number;
  epoch: number;
  trainLoss: number;
  /** Accuracy on the training batches as they were trained. */
  trainAccuracy: number;
  /** Test accuracy of the model in its training semantics. */
  testAccuracyFloat: number;
  /** Test accuracy of the exportable, fully binary model. */
  testAccuracy: number;
  samplesPerSecond: number;
  seconds: number;
  /** Live tfjs tensors after the epoch; flat from epoch to epoch when nothing leaks. */
  tensors: number;
}

export interface TrainResult {
  history: EpochMetrics[];
  /** Accuracy of the exportable binary model on the whole train and test splits. */
  trainAccuracy: number;
  testAccuracy: number;
  seconds: number;
}

export interface TrainOptions {
  onBatch?: (progress: BatchProgress) => void;
  /** Called after each epoch. Training waits for a returned promise before the next epoch. */
  onEpoch?: (metrics: EpochMetrics) => Promise<void> | void;
  /** Stops after the current batch; the result covers the epochs completed. */
  signal?: AbortSignal;
  /**
   * Awaited before each batch; training waits while the returned promise is pending, which is
   * how the playground pauses and steps one batch at a time. The signal is checked after it.
   */
  beforeBatch?: () => Promise<void> | void;
  /**
   * Runs the Memorize initializer before the first phase (default true). Pass false to continue
   * training a model that was trained before, so that its tables are not overwritten.
   */
  initialize?: boolean;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Runs one training step on a batch and reads the loss and the model's outputs back in one
 * asynchronous read. The result is the loss followed by the [size][classes] outputs.
 */
async function trainBatch(model: Model, optimizer: BinaryOptimizer, variables: tf.Variable[], inputs: tf.Tensor2D, labels: tf.Tensor1D): Promise<Float32Array> {
  const lossAndOutputs = tf.tidy(() => {
    const targets = tf.oneHot(labels, model.classes);
    let outputs!: tf.Tensor2D;
    const { value, grads } = tf.variableGrads(() => {
      // Kept beyond the gradient's own scope, which disposes every tensor but the loss.
      outputs = tf.keep(model.apply(inputs, { training: true, binary: false }));
      return tf.losses.softmaxCrossEntropy(targets, outputs) as tf.Scalar;
    }, variables);
    optimizer.applyGradients(grads);
    const packed = tf.concat([tf.reshape(value, [1]), tf.reshape(outputs, [-1])]);
    outputs.dispose();
    return packed;
  });
  return readAndDispose(lossAndOutputs);
}

/**
 * Trains a model on the spec's phases: softmax cross-entropy on the last layer's outputs, the
 * spec's optimizer wrapped by the binary optimizer, batches in a seeded order per epoch. A
 * phase that sets `inputExpanded` true expands LutLinear layers first (LUTNet's two-phase
 * recipe); each phase starts a fresh optimizer because expansion replaces the weights.
 *
 * Every value that training reads back from the backend is read asynchronously, one read per
 * batch, so the loop runs on backends whose synchronous reads fail, such as webgpu.
 */
export async function train(model: Model, data: DataSplit, options: TrainOptions = {}): Promise<TrainResult> {
  const spec = model.spec;
  const rng = new Random(String(spec.seed)).derive('train');
  const phases = trainingPhases(spec);
  const totalEpochs = phases.reduce((sum, phase) => sum + phase.epochs, 0);
  const history: EpochMetrics[] = [];
  const started = performance.now();
  const width = data.train.featureCount;

  if (options.initialize ?? true) await applyMemorize(model, data.train, rng.derive('memorize'));

  let epoch = 0;
  for (let phaseIndex = 0; phaseIndex < phases.length; phaseIndex++) {
    const phase = phases[phaseIndex];
    if (phase.inputExpanded) for (const layer of model.lutLayers()) layer.expand();
    const parameters = model.parameters();
    const optimizer = createOptimizer({ ...spec, learningRate: phase.learningRate ?? spec.learningRate }, parameters);
    const variables = parameters.map((p) => p.variable);

    try {
      for (let e = 0; e < phase.epochs; e++) {
        epoch++;
        const epochStart = performance.now();
        const batches = epochBatches(data.train.count, spec.batchSize, rng.derive(`epoch.${epoch}`));
        let lossSum = 0;
        let correct = 0;
        let seen = 0;

        for (let b = 0; b < batches.length; b++) {
          if (options.signal?.aborted) break;
          if (options.beforeBatch) await options.beforeBatch();
          if (options.signal?.aborted) break;
          const batch = gatherBatch(data.train, batches[b], spec.encoder.threshold);
          const inputs = tf.tensor2d(batch.inputs, [batch.size, width]);
          const labels = tf.tensor1d(batch.labels, 'int32');
          let lossAndOutputs: Float32Array;
          try {
            lossAndOutputs = await trainBatch(model, optimizer, variables, inputs, labels);
          } finally {
            inputs.dispose();
            labels.dispose();
          }
          const lossValue = lossAndOutputs[0];
          const predictions = argmaxRows(lossAndOutputs.subarray(1), batch.size, model.classes);

          if (!Number.isFinite(lossValue)) {
            throw new DeepLutError(
              `training diverged in epoch ${epoch}, batch ${b + 1}: the loss is ${lossValue}; lower the learning rate (now ${phase.learningRate ?? spec.learningRate})`,
            );
          }
          lossSum += lossValue * batch.size;
          seen += batch.size;
          for (let i = 0; i < batch.size; i++) if (predictions[i] === batch.labels[i]) correct++;
          options.onBatch?.({
            phase: phaseIndex,
            epoch,
            epochs: totalEpochs,
            batch: b + 1,
            batches: batches.length,
            size: batch.size,
            loss: lossSum / seen,
            accuracy: correct / seen,
            samplesPerSecond: (seen * 1000) / (performance.now() - epochStart),
          });
          await yieldToEventLoop();
        }

        const trainSeconds = (performance.now() - epochStart) / 1000;
        const metrics: EpochMetrics = {
          phase: phaseIndex,
          epoch,
          trainLoss: lossSum / Math.max(seen, 1),
          trainAccuracy: correct / Math.max(seen, 1),
          testAccuracyFloat: (await evaluate(model, data.test, { binary: false })).accuracy,
          testAccuracy: (await evaluate(model, data.test, { binary: true })).accuracy,
          samplesPerSecond: seen / trainSeconds,
          seconds: trainSeconds,
          tensors: tf.memory().numTensors,
        };
        history.push(metrics);
        await options.onEpoch?.(metrics);
        if (options.signal?.aborted) break;
      }
    } finally {
      optimizer.dispose();
    }
    if (options.signal?.aborted) break;
  }

  return {
    history,
    trainAccuracy: (await evaluate(model, data.train, { binary: true })).accuracy,
    testAccuracy: (await evaluate(model, data.test, { binary: true })).accuracy,
    seconds: (performance.now() - started) / 1000,
  };
}
