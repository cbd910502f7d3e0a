import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBundle, zipBundle, type BundleFiles } from '../../src/core/hardware/bundle';
import type { Netlist } from '../../src/core/hardware/netlist';
import { simulateNetlist } from '../../src/core/hardware/simulate';
import { parseTestbenchResult } from '../../src/core/hardware/testbench';
import { randomBits, randomNetlist } from './randomNetlist';

const INSTALL_HINT = 'apt-get install iverilog verilator yosys';
const folders: string[] = [];

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** Runs a tool and returns its output; a missing tool fails the test with the install command. */
function run(command: string, args: string[], cwd: string): { status: number; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${command} not found on PATH; install the HDL tools with: ${INSTALL_HINT}`);
    throw result.error;
  }
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

function writeBundle(files: BundleFiles): string {
  const folder = mkdtempSync(join(tmpdir(), 'deeplut-hw-'));
  folders.push(folder);
  for (const [name, contents] of files) writeFileSync(join(folder, name), contents);
  return folder;
}

function designSources(netlist: Netlist): string[] {
  return ['deeplut_top.v', ...netlist.layers.map((_, i) => `deeplut_layer${i}.v`)];
}

function simulateWithIcarus(folder: string, netlist: Netlist): { status: number; output: string } {
  const compile = run('iverilog', ['-g2005', '-o', 'deeplut_tb.vvp', 'deeplut_tb.v', ...designSources(netlist)], folder);
  expect(compile.output).toBe('');
  expect(compile.status).toBe(0);
  return run('vvp', ['-n', 'deeplut_tb.vvp'], folder);
}

const SAMPLES = 37;

/** k from 1 to 6, constant neurons and ties among the 5 class scores of 3 tables each. */
const mixedNetlist = randomNetlist('verilog/mixed', 21, [
  { neurons: 13, tablesPerNeuron: 21, k: 1 },
  { neurons: 13, tablesPerNeuron: 5, k: 4 },
  { neurons: 11, tablesPerNeuron: 4, k: 6 },
  { neurons: 9, tablesPerNeuron: 3, k: 5 },
  { neurons: 7, tablesPerNeuron: 6, k: 2 },
  { neurons: 5, tablesPerNeuron: 3, k: 3 },
]);

/** Builds a netlist with a layer whose neurons are all constant, a k = 1 layer reading its inputs in order, and one class. */
function edgeNetlist(): Netlist {
  const netlist = randomNetlist('verilog/edge', 9, [
    { neurons: 4, tablesPerNeuron: 9, k: 1 },
    { neurons: 6, tablesPerNeuron: 4, k: 2 },
    { neurons: 1, tablesPerNeuron: 6, k: 1 },
  ]);
  const first = netlist.layers[0];
  for (let j = 0; j < first.neurons; j++) {
    for (let t = 0; t < first.tablesPerNeuron; t++) first.inputs[j * first.tablesPerNeuron + t] = t;
  }
  const second = netlist.layers[1].activation;
  if (second.kind !== 'threshold') throw new Error('layer 1 must have a threshold activation');
  second.thresholds.set([0, 5, -1, 4, 0, 9]);
  second.directions.set([1, 1, -1, -1, 1, 1]);
  return netlist;
}

const vectors = randomBits('verilog/vectors', SAMPLES, 21);
const labels = Array.from({ length: SAMPLES }, (_, i) => (i * 7) % 5);

describe('Verilog under Icarus Verilog', () => {
  it('mixed netlist has score ties', () => {
    const result = simulateNetlist(mixedNetlist, vectors, SAMPLES);
    let ties = 0;
    for (let s = 0; s < SAMPLES; s++) {
      const row = Array.from(result.scores.subarray(s * 5, (s + 1) * 5));
      if (row.filter((score) => score === Math.max(...row)).length > 1) ties++;
    }
    expect(ties).toBeGreaterThan(0);
  });

  for (const registered of [false, true]) {
    const mode = registered ? 'registered' : 'combinational';

    it(`${mode} design matches simulator`, () => {
      const folder = writeBundle(buildBundle(mixedNetlist, { vectors, labels, registered }));
      const { status, output } = simulateWithIcarus(folder, mixedNetlist);

      const predictions = simulateNetlist(mixedNetlist, vectors, SAMPLES).predictions;
      const correct = predictions.filter((p, i) => p === labels[i]).length;
      expect(output).not.toMatch(/mismatch:/);
      expect(parseTestbenchResult(output)).toEqual({ samples: SAMPLES, mismatches: 0, accuracy: Math.round((correct / SAMPLES) * 1e4) / 1e4 });
      expect(status).toBe(0);
    });

    it(`${mode} edge netlist matches simulator`, () => {
      const netlist = edgeNetlist();
      const edgeVectors = randomBits('verilog/edge/vectors', SAMPLES, 9);
      const folder = writeBundle(buildBundle(netlist, { vectors: edgeVectors, registered }));
      const { status, output } = simulateWithIcarus(folder, netlist);

      expect(readFileSync(join(folder, 'deeplut_layer1.v'), 'utf8')).toMatch(/assign y = 6'h/);
      expect(parseTestbenchResult(output)).toEqual({ samples: SAMPLES, mismatches: 0 });
      expect(status).toBe(0);
    });

    it(`${mode} testbench reports a flipped class`, () => {
      const files = buildBundle(mixedNetlist, { vectors, registered });
      const lines = (files.get('expected.hex') as string).trim().split('\n');
      lines[17] = ((parseInt(lines[17], 16) + 1) % 5).toString(16);
      files.set('expected.hex', lines.join('\n') + '\n');
      const folder = writeBundle(files);

      const { status, output } = simulateWithIcarus(folder, mixedNetlist);
      expect(output).toMatch(/mismatch: sample 17 /);
      expect(parseTestbenchResult(output)?.mismatches).toBe(1);
      expect(status).not.toBe(0);
    });

    it(`${mode} design passes verilator lint`, () => {
      for (const netlist of [mixedNetlist, edgeNetlist()]) {
        const folder = writeBundle(buildBundle(netlist, { vectors: randomBits('lint', 3, netlist.inputBits), registered }));
        const lint = run('verilator', ['--lint-only', '-Wall', '--top-module', 'deeplut_top', ...designSources(netlist)], folder);
        expect(lint.output).toBe('');
        expect(lint.status).toBe(0);
      }
    });
  }
});

describe('Verilog under Verilator', () => {
  it('registered testbench passes with --binary', () => {
    const netlist = randomNetlist('verilator', 12, [{ neurons: 9, tablesPerNeuron: 4, k: 3 }, { neurons: 4, tablesPerNeuron: 3, k: 2 }]);
    const bits = randomBits('verilator/vectors', SAMPLES, 12);
    const folder = writeBundle(buildBundle(netlist, { vectors: bits, labels: labels.map((label) => label % 4), registered: true }));

    const build = run('verilator', ['--binary', '-j', '2', '--top-module', 'deeplut_tb', 'deeplut_tb.v', ...designSources(netlist)], folder);
    expect(build.status).toBe(0);
    const { status, output } = run(join(folder, 'obj_dir', 'Vdeeplut_tb'), [], folder);
    expect(parseTestbenchResult(output)?.mismatches).toBe(0);
    expect(status).toBe(0);
  });
});

describe('synth.ys', () => {
  it('reports a LUT count under yosys', () => {
    const netlist = randomNetlist('yosys', 12, [{ neurons: 8, tablesPerNeuron: 4, k: 4 }, { neurons: 3, tablesPerNeuron: 5, k: 3 }]);
    const folder = writeBundle(buildBundle(netlist, { vectors: randomBits('yosys/vectors', 4, 12) }));
    const { status, output } = run('yosys', ['-s', 'synth.ys'], folder);

    expect(status).toBe(0);
    const match = /\$lut\s+(\d+)/.exec(output);
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThan(0);
  });
});

describe('zipBundle', () => {
  it('contains every bundle file', () => {
    const files = buildBundle(mixedNetlist, { vectors, labels });
    const unzipped = unzipSync(zipBundle(files));
    expect(Object.keys(unzipped).sort()).toEqual([...files.keys()].sort());
    expect(new TextDecoder().decode(unzipped['deeplut_top.v'])).toBe(files.get('deeplut_top.v'));
  });
});
