import type { Netlist, NetlistLayer } from '../../src/core/hardware/netlist';
import { Random } from '../../src/core/random';

export interface RandomLayerShape {
  neurons: number;
  tablesPerNeuron: number;
  k: number;
}

/**
 * Builds a random netlist for tests: random table inputs and truth tables, and thresholds drawn from
 * -1..tables+2 in both directions, so that some neurons are constant. The last shape becomes
 * the score layer.
 */
export function randomNetlist(seed: string, inputBits: number, shapes: RandomLayerShape[]): Netlist {
  const rng = new Random(seed);
  const layers: NetlistLayer[] = [];
  let width = inputBits;

  shapes.forEach((shape, index) => {
    const isLast = index === shapes.length - 1;
    const tables = shape.neurons * shape.tablesPerNeuron;
    const inputs = new Int32Array(tables * shape.k);
    for (let i = 0; i < inputs.length; i++) inputs[i] = rng.int(width);
    const truthTables = new Uint8Array(tables << shape.k);
    for (let i = 0; i < truthTables.length; i++) truthTables[i] = rng.int(2);

    const thresholds = new Int32Array(shape.neurons);
    const directions = new Int8Array(shape.neurons);
    for (let j = 0; j < shape.neurons; j++) {
      thresholds[j] = rng.int(shape.tablesPerNeuron + 4) - 1;
      directions[j] = rng.sign();
    }

    layers.push({
      name: `layers[${index}] random`,
      inputWidth: width,
      k: shape.k,
      neurons: shape.neurons,
      tablesPerNeuron: shape.tablesPerNeuron,
      inputs,
      truthTables,
      activation: isLast ? { kind: 'score' } : { kind: 'threshold', thresholds, directions },
    });
    width = shape.neurons;
  });

  return {
    format: 'deeplut-netlist',
    version: 1,
    encoder: { kind: 'sign', threshold: 127, inputShape: [inputBits] },
    inputBits,
    layers,
    classes: width,
  };
}

/** Random `[samples][width]` bits. */
export function randomBits(seed: string, samples: number, width: number): Uint8Array {
  const rng = new Random(seed);
  const bits = new Uint8Array(samples * width);
  for (let i = 0; i < bits.length; i++) bits[i] = rng.int(2);
  return bits;
}
