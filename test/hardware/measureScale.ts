/**
 * Measures the simulator and Icarus Verilog on a random netlist of the size of the MNIST model:
 * 784 -> 256 (k=1) -> 256 (k=4, 256 tables per neuron) -> 256 (same) -> 10 (same), 2,000 vectors.
 * Run: npx tsx test/hardware/measureScale.ts [output folder]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { buildBundle } from '../../src/core/hardware/bundle';
import { simulateNetlist } from '../../src/core/hardware/simulate';
import { randomBits, randomNetlist } from './randomNetlist';

const folder = process.argv[2] ?? '/tmp/deeplut-scale';
const samples = 2000;
const netlist = randomNetlist('scale', 784, [
  { neurons: 256, tablesPerNeuron: 784, k: 1 },
  { neurons: 256, tablesPerNeuron: 256, k: 4 },
  { neurons: 256, tablesPerNeuron: 256, k: 4 },
  { neurons: 10, tablesPerNeuron: 256, k: 4 },
]);
const vectors = randomBits('scale/vectors', samples, 784);

function seconds(start: number): string {
  return ((performance.now() - start) / 1000).toFixed(1);
}

let start = performance.now();
simulateNetlist(netlist, vectors, samples);
console.log(`bit-sliced simulator: ${seconds(start)} s for ${samples} samples`);

start = performance.now();
const files = buildBundle(netlist, { vectors });
mkdirSync(folder, { recursive: true });
for (const [name, contents] of files) writeFileSync(`${folder}/${name}`, contents);
console.log(`bundle written to ${folder} in ${seconds(start)} s`);

const sources = ['deeplut_tb.v', 'deeplut_top.v', ...netlist.layers.map((_, i) => `deeplut_layer${i}.v`)];
start = performance.now();
execFileSync('iverilog', ['-g2005', '-o', 'deeplut_tb.vvp', ...sources], { cwd: folder, stdio: 'inherit' });
console.log(`iverilog compile: ${seconds(start)} s`);

start = performance.now();
const output = execFileSync('vvp', ['-n', 'deeplut_tb.vvp'], { cwd: folder, encoding: 'utf8' });
console.log(output.trim());
console.log(`vvp simulation: ${seconds(start)} s`);
