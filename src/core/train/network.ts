/**
 * Checks of a spec's network against its data, and the size estimates behind them. No tfjs:
 * the playground's page imports this module to explain problems while the user types.
 */
import { SpecError } from '../errors';
import type { LayerSpec, Spec } from '../spec/schema';
import { trainingPhases } from '../spec/validate';

/**
 * Memory one training step is estimated to need per trainable weight: the latent value, its
 * binarized copy, its gradient and two Adam moments, 4 bytes each.
 */
export const TRAINING_BYTES_PER_WEIGHT = 20;

/** Largest estimated training memory of a model, 2 GiB: the heap a tfjs wasm backend can address in practice. */
export const MAX_TRAINING_BYTES = 2 * 1024 ** 3;

/** Tables per neuron of a LutLinear layer reading `inputWidth` inputs, before building it. */
export function lutTablesPerNeuron(spec: Extract<LayerSpec, { type: 'LutLinear' }>, inputWidth: number): number {
  if (spec.mask.kind === 'minimal') return Math.ceil(inputWidth / spec.k);
  if (spec.mask.kind === 'random') return spec.mask.fanIn ?? inputWidth;
  return inputWidth;
}

/** Estimated trainable weights of a LutLinear layer, before building it. */
export function lutWeightCount(spec: Extract<LayerSpec, { type: 'LutLinear' }>, inputWidth: number): number {
  return spec.out * lutTablesPerNeuron(spec, inputWidth) * 2 ** spec.k;
}

/**
 * Checks what depends on the data and on the order of the layers: the widths that layers
 * read, memory, and the output width against the number of classes. Throws a SpecError.
 */
export function checkNetwork(spec: Spec, inputWidth: number, classes: number): void {
  const problems: string[] = [];
  let width = inputWidth;
  let totalBytes = 0;
  const firstPhaseExpanded = trainingPhases(spec)[0].inputExpanded;

  spec.layers.forEach((layer, i) => {
    const path = `layers[${i}]`;
    switch (layer.type) {
      case 'LutLinear': {
        const distinct = layer.mask.kind !== 'expanded' || !layer.mask.replacement;
        if (distinct && layer.mask.kind !== 'minimal' && layer.k > width) {
          problems.push(`${path}.k: the ${layer.mask.kind} mask draws ${layer.k} distinct inputs per table, but the layer has only ${width} inputs; lower k or widen the previous layer`);
        }
        if (layer.mask.kind === 'expanded' && layer.k > 1 && width < 2) {
          problems.push(`${path}.k: an expanded mask with k > 1 needs at least 2 inputs, got ${width}`);
        }
        const weights = lutWeightCount(layer, width);
        const bytes = weights * TRAINING_BYTES_PER_WEIGHT;
        totalBytes += bytes;
        if (bytes > MAX_TRAINING_BYTES) {
          problems.push(
            `${path}.k: ${layer.out} neurons with k ${layer.k} need ${weights.toLocaleString('en-US')} table entries, about ${(bytes / 1024 ** 3).toFixed(1)} GiB to train, over the ${MAX_TRAINING_BYTES / 1024 ** 3} GiB limit; lower k, out or the fan-in`,
          );
        }
        const expandedAtStart = firstPhaseExpanded ?? layer.inputExpanded;
        if (layer.init === 'memorize' && !expandedAtStart) {
          problems.push(`${path}.init: memorize fills full tables, so the layer must start with inputExpanded true`);
        }
        width = layer.out;
        break;
      }
      case 'BinaryLinear':
      case 'Dense':
        totalBytes += width * layer.out * TRAINING_BYTES_PER_WEIGHT;
        width = layer.out;
        break;
      default:
        break;
    }
  });

  if (totalBytes > MAX_TRAINING_BYTES && problems.length === 0) {
    problems.push(`layers: the network needs about ${(totalBytes / 1024 ** 3).toFixed(1)} GiB to train, over the ${MAX_TRAINING_BYTES / 1024 ** 3} GiB limit; use fewer or smaller layers`);
  }
  if (width !== classes) {
    const labelHint =
      spec.dataset.source === 'idx' && spec.dataset.classes === undefined
        ? ` (counted from the largest label in the files; if that label is wrong, set dataset.classes to the true count so that the reader rejects it)`
        : '';
    problems.push(`layers[${spec.layers.length - 1}]: the network outputs ${width} values, but the dataset has ${classes} classes${labelHint}; make the last layer's "out" ${classes}`);
  }
  if (problems.length > 0) throw new SpecError(problems);
}

