import { describe, expect, it } from 'vitest';
import { ExportError } from '../../src/core/errors';
import type { Netlist } from '../../src/core/hardware/netlist';
import { netlistFromJson, netlistToJson } from '../../src/core/hardware/netlistJson';
import { encodeSign, packBits, simulateNetlist, simulatorUsesWasm, unpackBits, useSimulatorWasm } from '../../src/core/hardware/simulate';
import { randomBits, randomNetlist, type RandomLayerShape } from './randomNetlist';

/** Straightforward per-sample evaluation: table addresses as integers, popcounts by counting. */
function referenceEvaluate(netlist: Netlist, inputBits: Uint8Array, samples: number) {
  const scores = new Int32Array(samples * netlist.classes);
  const predictions = new Int32Array(samples);
  const hiddenOutputs: Uint8Array[][] = netlist.layers.slice(0, -1).map(() => []);

  for (let s = 0; s < samples; s++) {
    let values = Array.from(inputBits.subarray(s * netlist.inputBits, (s + 1) * netlist.inputBits));
    for (const [index, layer] of netlist.layers.entries()) {
      const counts: number[] = [];
      for (let j = 0; j < layer.neurons; j++) {
        let count = 0;
        for (let t = 0; t < layer.tablesPerNeuron; t++) {
          const table = j * layer.tablesPerNeuron + t;
          let address = 0;
          for (let i = 0; i < layer.k; i++) address += values[layer.inputs[table * layer.k + i]] * 2 ** i;
          count += layer.truthTables[table * 2 ** layer.k + address];
        }
        counts.push(count);
      }

      const activation = layer.activation;
      if (activation.kind === 'score') {
        counts.forEach((count, c) => (scores[s * netlist.classes + c] = count));
        const best = Math.max(...counts);
        predictions[s] = counts.indexOf(best);
      } else {
        values = counts.map((count, j) =>
          activation.directions[j] === 1 ? Number(count >= activation.thresholds[j]) : Number(count <= activation.thresholds[j]),
        );
        hiddenOutputs[index].push(Uint8Array.from(values));
      }
    }
  }
  return { scores, predictions, hiddenOutputs };
}

interface Case {
  name: string;
  samples: number;
  inputBits: number;
  shapes: RandomLayerShape[];
}

const cases: Case[] = [
  {
    name: 'k 1 to 6, 37 samples',
    samples: 37,
    inputBits: 29,
    shapes: [
      { neurons: 13, tablesPerNeuron: 29, k: 1 },
      { neurons: 13, tablesPerNeuron: 7, k: 2 },
      { neurons: 11, tablesPerNeuron: 5, k: 3 },
      { neurons: 9, tablesPerNeuron: 4, k: 5 },
      { neurons: 7, tablesPerNeuron: 3, k: 6 },
      { neurons: 6, tablesPerNeuron: 3, k: 4 },
    ],
  },
  { name: 'whole words, 64 samples', samples: 64, inputBits: 40, shapes: [{ neurons: 33, tablesPerNeuron: 9, k: 4 }, { neurons: 10, tablesPerNeuron: 5, k: 6 }] },
  { name: 'one sample', samples: 1, inputBits: 5, shapes: [{ neurons: 3, tablesPerNeuron: 1, k: 1 }, { neurons: 2, tablesPerNeuron: 1, k: 2 }] },
  { name: 'score layer only', samples: 101, inputBits: 17, shapes: [{ neurons: 4, tablesPerNeuron: 300, k: 3 }] },
  // 10 words: WebAssembly pads them to 3 vectors of 4 words.
  { name: 'partial vector, 300 samples', samples: 300, inputBits: 23, shapes: [{ neurons: 19, tablesPerNeuron: 6, k: 4 }, { neurons: 5, tablesPerNeuron: 19, k: 1 }] },
];

describe('simulateNetlist', () => {
  it('evaluates tables in WebAssembly here', () => {
    expect(simulatorUsesWasm()).toBe(true);
  });

  for (const testCase of cases) {
    it.each([true, false])(`WebAssembly %s, matches reference: ${testCase.name}`, (wasm) => {
      const netlist = randomNetlist(testCase.name, testCase.inputBits, testCase.shapes);
      const inputs = randomBits(`${testCase.name}/inputs`, testCase.samples, testCase.inputBits);

      useSimulatorWasm(wasm);
      const result = simulateNetlist(netlist, inputs, testCase.samples, { keepLayerOutputs: true });
      useSimulatorWasm(true);
      const reference = referenceEvaluate(netlist, inputs, testCase.samples);

      expect(Array.from(result.scores)).toEqual(Array.from(reference.scores));
      expect(Array.from(result.predictions)).toEqual(Array.from(reference.predictions));
      result.layerOutputs!.forEach((packed, layer) => {
        const expected = new Uint8Array(reference.hiddenOutputs[layer].flatMap((row) => Array.from(row)));
        expect(unpackBits(packed)).toEqual(expected);
      });
    });
  }

  it('breaks score ties by lowest index', () => {
    const netlist = randomNetlist('ties', 12, [{ neurons: 13, tablesPerNeuron: 6, k: 3 }, { neurons: 8, tablesPerNeuron: 2, k: 2 }]);
    const samples = 37;
    const result = simulateNetlist(netlist, randomBits('ties/inputs', samples, 12), samples);

    let ties = 0;
    for (let s = 0; s < samples; s++) {
      const row = Array.from(result.scores.subarray(s * 8, (s + 1) * 8));
      const best = Math.max(...row);
      if (row.filter((score) => score === best).length > 1) ties++;
      expect(result.predictions[s]).toBe(row.indexOf(best));
    }
    expect(ties).toBeGreaterThan(0);
  });

  it('covers constant neurons in both directions', () => {
    const netlist = randomNetlist('constants', 20, [{ neurons: 40, tablesPerNeuron: 3, k: 2 }, { neurons: 3, tablesPerNeuron: 4, k: 2 }]);
    const activation = netlist.layers[0].activation;
    if (activation.kind !== 'threshold') throw new Error('layer 0 must have a threshold activation');
    const result = simulateNetlist(netlist, randomBits('constants/inputs', 50, 20), 50, { keepLayerOutputs: true });
    const bits = unpackBits(result.layerOutputs![0]);

    let constants = 0;
    for (let j = 0; j < 40; j++) {
      const threshold = activation.thresholds[j];
      const direction = activation.directions[j];
      const always = direction === 1 ? threshold <= 0 : threshold >= 3;
      const never = direction === 1 ? threshold > 3 : threshold < 0;
      if (!always && !never) continue;
      constants++;
      for (let s = 0; s < 50; s++) expect(bits[s * 40 + j]).toBe(always ? 1 : 0);
    }
    expect(constants).toBeGreaterThan(0);
  });

  it('rejects an input index out of range', () => {
    const netlist = randomNetlist('invalid', 8, [{ neurons: 2, tablesPerNeuron: 2, k: 2 }]);
    netlist.layers[0].inputs[3] = 8;
    expect(() => simulateNetlist(netlist, new Uint8Array(8), 1)).toThrow(ExportError);
  });
});

describe('packBits', () => {
  it('round-trips through unpackBits', () => {
    const bits = randomBits('pack', 70, 9);
    const packed = packBits(bits, 70, 9);
    expect(packed.words).toBe(3);
    expect(unpackBits(packed)).toEqual(bits);
  });
});

describe('encodeSign', () => {
  it('sets bit 1 strictly above threshold', () => {
    expect(Array.from(encodeSign(Uint8Array.from([0, 127, 128, 255]), 127))).toEqual([0, 0, 1, 1]);
  });
});

describe('netlist JSON', () => {
  it('round-trips every field', () => {
    const netlist = randomNetlist('json', 23, [{ neurons: 13, tablesPerNeuron: 5, k: 3 }, { neurons: 5, tablesPerNeuron: 7, k: 6 }]);
    const copy = netlistFromJson(netlistToJson(netlist));
    expect(copy).toEqual(netlist);
    expect(copy.layers[0].inputs).toBeInstanceOf(Int32Array);
    expect(copy.layers[0].truthTables).toBeInstanceOf(Uint8Array);
  });

  it('rejects truncated truth tables', () => {
    const json = JSON.parse(netlistToJson(randomNetlist('json-bad', 9, [{ neurons: 3, tablesPerNeuron: 4, k: 4 }])));
    json.layers[0].truthTables = json.layers[0].truthTables.slice(0, 8);
    expect(() => netlistFromJson(JSON.stringify(json))).toThrow(/truthTables/);
  });

  it('rejects a wrong format tag', () => {
    const json = JSON.parse(netlistToJson(randomNetlist('json-tag', 9, [{ neurons: 3, tablesPerNeuron: 4, k: 4 }])));
    json.format = 'other';
    expect(() => netlistFromJson(JSON.stringify(json))).toThrow(ExportError);
  });
});
