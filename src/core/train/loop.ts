import * as tf from '@tensorflow/tfjs';
import { epochBatches, gatherBatch } from '../data/batches';
import type { DataSplit } from '../data/dataset';
import { applyMemorize } from '../initializers/memorize';
import { createOptimizer } from '../optim/binary';
import { DeepLutError } from '../errors';
import { Random } from '../random';
import { trainingPhases } from '../spec/validate';
import { argmaxRows } from '../argmax';
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
  onEpoch?: (metrics: EpochMetrics) => void;
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
 * Trains a model on the spec's phases: softmax cross-entropy on the last layer's outputs, the
 * spec's optimizer wrapped by the binary optimizer, batches in a seeded order per epoch. A
 * phase that sets `inputExpanded` true expands LutLinear layers first (LUTNet's two-phase
 * recipe); each phase starts a fresh optimizer because expansion replaces the weights.
 */
export async function train(model: Model, data: DataSplit, options: TrainOptions = {}): Promise<TrainResult> {
  const spec = model.spec;
  const rng = new Random(String(spec.seed)).derive('train');
  const phases = trainingPhases(spec);
  const totalEpochs = phases.reduce((sum, phase) => sum + phase.epochs, 0);
  const history: EpochMetrics[] = [];
  const started = performance.now();
  const width = data.train.featureCount;

  if (options.initialize ?? true) applyMemorize(model, data.train, rng.derive('memorize'));

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
          const { lossValue, predictions } = tf.tidy(() => {
            const x = tf.tensor2d(batch.inputs, [batch.size, width]);
            const targets = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), model.classes);
            let predicted: Int32Array = new Int32Array(0);
            const { value, grads } = tf.variableGrads(() => {
              const logits = model.apply(x, { training: true, binary: false });
              predicted = argmaxRows(logits.dataSync(), batch.size, model.classes);
              return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
            }, variables);
            optimizer.applyGradients(grads);
            return { lossValue: value.dataSync()[0], predictions: predicted };
          });

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
          testAccuracyFloat: evaluate(model, data.test, { binary: false }).accuracy,
          testAccuracy: evaluate(model, data.test, { binary: true }).accuracy,
          samplesPerSecond: seen / trainSeconds,
          seconds: trainSeconds,
          tensors: tf.memory().numTensors,
        };
        history.push(metrics);
        options.onEpoch?.(metrics);
        if (options.signal?.aborted) break;
      }
    } finally {
      optimizer.dispose();
    }
    if (options.signal?.aborted) break;
  }

  return {
    history,
    trainAccuracy: evaluate(model, data.train, { binary: true }).accuracy,
    testAccuracy: evaluate(model, data.test, { binary: true }).accuracy,
    seconds: (performance.now() - started) / 1000,
  };
}
