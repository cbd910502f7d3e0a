/**
 * The Verilog bundle: modules, self-checking testbench, test vectors, yosys script,
 * netlist.json and a README, as a file map or a zip.
 */
import { strToU8, zipSync } from 'fflate';
import { DataError } from '../errors';
import type { Netlist } from './netlist';
import { netlistToJson } from './netlistJson';
import { simulateNetlist } from './simulate';
import { classesToHex, vectorsToHex, writeTestbench } from './testbench';
import { netlistToVerilog } from './verilog';

export interface BundleOptions {
  /** Test vectors, `[samples][netlist.inputBits]` bytes of 0 or 1. */
  vectors: Uint8Array;
  /** Expected class per sample; computed with the bit-sliced simulator when absent. */
  expected?: ArrayLike<number>;
  /** True class per sample; when present the testbench also prints the accuracy. */
  labels?: ArrayLike<number>;
  /** Add a clock and a register stage after every layer. */
  registered?: boolean;
}

/** File name -> contents of a bundle. */
export type BundleFiles = Map<string, string | Uint8Array>;

/** Builds every file of the Verilog bundle. */
export function buildBundle(netlist: Netlist, options: BundleOptions): BundleFiles {
  const samples = options.vectors.length / netlist.inputBits;
  if (!Number.isInteger(samples) || samples < 1) {
    throw new DataError(
      `vectors has ${options.vectors.length} entries, which is not a positive multiple of inputBits = ${netlist.inputBits}`,
    );
  }
  const expected = options.expected ?? simulateNetlist(netlist, options.vectors, samples).predictions;
  checkClasses('expected', expected, samples, netlist.classes);
  if (options.labels) checkClasses('labels', options.labels, samples, netlist.classes);

  const design = netlistToVerilog(netlist, { registered: options.registered });
  const files: BundleFiles = new Map(design.files);
  files.set('deeplut_tb.v', writeTestbench(netlist, { samples, latency: design.latency, hasLabels: options.labels !== undefined }));
  files.set('vectors.hex', vectorsToHex(options.vectors, samples, netlist.inputBits));
  files.set('expected.hex', classesToHex(expected, design.indexWidth));
  if (options.labels) files.set('labels.hex', classesToHex(options.labels, design.indexWidth));

  const layerFiles = netlist.layers.map((_, i) => `deeplut_layer${i}.v`);
  files.set('synth.ys', writeSynthScript(layerFiles));
  files.set('netlist.json', netlistToJson(netlist));
  files.set('README.md', writeReadme(netlist, samples, design.latency, design.indexWidth, design.scoreWidth, options.labels !== undefined));
  return files;
}

/**
 * Every entry's modification time in the zip, the earliest a zip can store (1980-01-01,
 * local time), so that the same bundle always gives the same zip bytes.
 */
const ZIP_TIMESTAMP = new Date(1980, 0, 1);

/** Packs the bundle into a zip archive; the same files give the same bytes. */
export function zipBundle(files: BundleFiles): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  for (const [name, contents] of files) entries[name] = typeof contents === 'string' ? strToU8(contents) : contents;
  return zipSync(entries, { mtime: ZIP_TIMESTAMP });
}

function checkClasses(field: string, values: ArrayLike<number>, samples: number, classes: number): void {
  if (values.length !== samples) {
    throw new DataError(`${field} has ${values.length} entries but there are ${samples} vectors`);
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isInteger(values[i]) || values[i] < 0 || values[i] >= classes) {
      throw new DataError(`${field}[${i}] is ${values[i]}, outside the class range 0..${classes - 1}`);
    }
  }
}

/** Yosys script that maps the design to 6-input LUTs; `stat` lists them as $lut cells. */
function writeSynthScript(layerFiles: string[]): string {
  return [
    '# Maps the DeepLUT design to generic 6-input LUTs; `stat` prints the LUT count as $lut cells.',
    '# The count includes the popcount adders, the comparators and the argmax.',
    `read_verilog ${[...layerFiles, 'deeplut_top.v'].join(' ')}`,
    'synth -flatten -top deeplut_top -lut 6',
    'stat',
    '',
  ].join('\n');
}

function writeReadme(
  netlist: Netlist,
  samples: number,
  latency: number,
  classIndexWidth: number,
  scoreWidth: number,
  hasLabels: boolean,
): string {
  const layerFiles = netlist.layers.map((_, i) => `deeplut_layer${i}.v`).join(' ');
  const sources = `deeplut_tb.v deeplut_top.v ${layerFiles}`;
  const layerLines = netlist.layers.map(
    (layer, i) =>
      `| ${i} | ${layer.name} | ${layer.inputWidth} | ${layer.neurons} | ${layer.tablesPerNeuron} | ${layer.k} | ${layer.activation.kind} |`,
  );

  return `# DeepLUT Verilog bundle

A LUT network exported from DeepLUT as Verilog-2001, with a self-checking testbench.

## Ports of \`deeplut_top\`
${latency > 0 ? '- `clk`: clock; every register samples on its rising edge.\n' : ''}- \`x[${netlist.inputBits - 1}:0]\`: input bits. \`x[i]\` is input bit i: feature i (row-major over shape [${netlist.encoder.inputShape.join(', ')}]) is 1 when it is greater than ${netlist.encoder.threshold}.
- \`class_index[${classIndexWidth - 1}:0]\`: the predicted class, the argmax of the scores; the lowest index wins ties.
- \`scores[${netlist.classes * scoreWidth - 1}:0]\`: \`scores[${scoreWidth}*c +: ${scoreWidth}]\` is the score of class c, the popcount of its tables.

Latency: ${latency > 0 ? `${latency} clock cycles (a register stage after every layer). A vector applied before rising edge n appears on \`class_index\` after edge n + ${latency - 1}, and a new vector can enter every cycle.` : 'combinational, no clock.'}

## Conventions
- Bit value 1 stands for +1, bit 0 for -1.
- Table input i is address bit i, input 0 the least significant. A table is written as
  \`t[i] = |(16'h8000 & (16'd1 << {x[a3], x[a2], x[a1], x[a0]}));\`: entry \`address\` of the truth table, here 1
  only when all four inputs are 1.
- A hidden neuron outputs 1 when its popcount is >= its threshold (or <= for the neurons marked so in the comments).
- 1-input tables (binary weights) are written as \`inputs ~^ weights\`: weight 1 keeps the input, weight 0 inverts it.

## Layers
| layer | source | inputs | neurons | tables per neuron | k | activation |
|---|---|---|---|---|---|---|
${layerLines.join('\n')}

## Files
- \`deeplut_top.v\`, \`${layerFiles.split(' ').join('`, `')}\`: the design.
- \`deeplut_tb.v\`: testbench. It reads \`vectors.hex\` (one sample per line, hex, most significant digit first, bit i = \`x[i]\`), \`expected.hex\` (the class the DeepLUT simulator predicts)${hasLabels ? ' and `labels.hex` (true classes)' : ''}, all with ${samples} lines.
- \`synth.ys\`: yosys script for a LUT count.
- \`netlist.json\`: the netlist (table inputs as base64 little-endian int32, truth tables as base64 bits, entry 0 in bit 0).

## Simulate
Run from this folder, because the testbench opens the hex files by relative path. The last line is
\`DEEPLUT_RESULT samples=${samples} mismatches=0 accuracy=...\`${hasLabels ? '' : ' (accuracy=n/a without labels)'}; on any mismatch the testbench ends with
\`$fatal\`, so the simulator exits with a non-zero status (vvp of Icarus Verilog 11 returns 1).

Icarus Verilog (tested with 11.0):

    iverilog -g2005 -o deeplut_tb.vvp ${sources}
    vvp -n deeplut_tb.vvp

Verilator (tested with 5.006):

    verilator --binary -j 0 --top-module deeplut_tb ${sources}
    ./obj_dir/Vdeeplut_tb

Run times grow with the number of tables. Measured on a 2-core machine shared with other
jobs: Icarus simulated 2,000 vectors of a network of about 330,000 tables (the LFC example)
in about 4 minutes of CPU time. Verilator's C++ compile took about 5.5 CPU-minutes for a much
smaller network (784 -> 64 -> 32 -> 10, about 3,000 tables), so for large networks prefer
Icarus for the check.

Lint:

    verilator --lint-only -Wall --top-module deeplut_top deeplut_top.v ${layerFiles}

## Synthesize
    yosys -s synth.ys

Synthesis is the slowest step: on the small network above yosys had not finished after 25
minutes, so budget hours for a network of the LFC example's size.

The \`stat\` report at the end counts \`$lut\` cells: generic 6-input LUTs from yosys's \`synth -lut 6\` (tested with
yosys 0.23). The count covers tables, popcounts, comparators and the argmax. A vendor flow such as Vivado maps the same
design differently, so its count can differ.
`;
}
