import type * as tf from '@tensorflow/tfjs';
import { BatchNorm } from '../layers/batch-norm';
import type { ForwardContext, Layer, Parameter } from '../layers/layer';
import { BinaryLinear, Dense } from '../layers/linear';
import { LutLinear } from '../layers/lut-linear';
import { Flatten, Sign } from '../layers/simple';
import { Random } from '../random';
import type { LayerSpec, Spec } from '../spec/schema';
import { trainingPhases } from '../spec/validate';
import { checkNetwork } from './network';

export { checkNetwork, lutTablesPerNeuron, lutWeightCount, MAX_TRAINING_BYTES, TRAINING_BYTES_PER_WEIGHT } from './network';

/** A network built from a spec: the layers in order, applied to [batch, features] inputs. */
export class Model {
  constructor(
    readonly spec: Spec,
    readonly layers: Layer[],
    readonly inputWidth: number,
    readonly classes: number,
  ) {}

  apply(x: tf.Tensor2D, context: ForwardContext): tf.Tensor2D {
    let activation = x;
    for (const layer of this.layers) activation = layer.apply(activation, context);
    return activation;
  }

  parameters(): Parameter[] {
    return this.layers.flatMap((layer) => layer.parameters());
  }

  lutLayers(): LutLinear[] {
    return this.layers.filter((layer): layer is LutLinear => layer instanceof LutLinear);
  }

  dispose(): void {
    for (const layer of this.layers) layer.dispose();
  }
}

function layerName(index: number, spec: LayerSpec): string {
  return `layers[${index}] ${spec.type}`;
}

/**
 * Builds the model of a spec for inputs of `inputWidth` features. Each layer draws its mask
 * and initial weights from its own stream of the spec's seed, so the same spec and seed give
 * the same model.
 */
export function buildModel(spec: Spec, inputWidth: number, classes: number): Model {
  checkNetwork(spec, inputWidth, classes);
  const rng = new Random(String(spec.seed)).derive('model');
  const layers: Layer[] = [];
  let width = inputWidth;
  const firstPhaseExpanded = trainingPhases(spec)[0].inputExpanded;

  spec.layers.forEach((layerSpec, i) => {
    const name = layerName(i, layerSpec);
    const layerRng = rng.derive(`layers[${i}]`);
    let layer: Layer;
    switch (layerSpec.type) {
      case 'LutLinear':
        layer = new LutLinear(name, width, { ...layerSpec, inputExpanded: firstPhaseExpanded ?? layerSpec.inputExpanded }, layerRng);
        break;
      case 'BinaryLinear':
        layer = new BinaryLinear(name, width, layerSpec.out, layerRng);
        break;
      case 'Dense':
        layer = new Dense(name, width, layerSpec.out, layerSpec.bias, layerRng);
        break;
      case 'BatchNorm':
        layer = new BatchNorm(name, width, layerSpec.momentum, layerSpec.epsilon);
        break;
      case 'Sign':
        layer = new Sign(name, width);
        break;
      case 'Flatten':
        layer = new Flatten(name, width);
        break;
    }
    layers.push(layer);
    width = layer.outputWidth;
  });
  return new Model(spec, layers, inputWidth, classes);
}
