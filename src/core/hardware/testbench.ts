/**
 * Self-checking testbench `deeplut_tb.v` and its hex files. The testbench reads the vectors
 * with $readmemh, applies each one, compares `class_index` with the expected class, and prints
 * one summary line:
 *
 *   DEEPLUT_RESULT samples=2000 mismatches=0 accuracy=0.9135
 *
 * On any mismatch it ends with $fatal, which makes Icarus Verilog 11's vvp exit with status 1.
 */
import { DataError } from '../errors';
import type { Netlist } from './netlist';
import { bitsToHex } from './verilog';
import { indexWidth, popcountWidth } from './validate';

/** The line prefix that the testbench's summary starts with. */
export const RESULT_PREFIX = 'DEEPLUT_RESULT';

export interface TestbenchOptions {
  samples: number;
  /** Clock cycles from a vector to its class_index; 0 builds the combinational testbench. */
  latency: number;
  /** Read `labels.hex` and print the accuracy against it. */
  hasLabels: boolean;
}

/** Writes `deeplut_tb.v` for the top module of `netlist`. */
export function writeTestbench(netlist: Netlist, options: TestbenchOptions): string {
  const { samples, latency, hasLabels } = options;
  if (!Number.isInteger(samples) || samples < 1) {
    throw new DataError(`testbench needs at least one sample, got samples = ${samples}`);
  }
  const inputBits = netlist.inputBits;
  const classIndexWidth = indexWidth(netlist.classes);
  const scoresWidth = netlist.classes * popcountWidth(netlist.layers[netlist.layers.length - 1].tablesPerNeuron);
  const registered = latency > 0;

  const lines = [
    '// Self-checking testbench: applies every vector of vectors.hex, compares class_index with',
    '// expected.hex, prints a DEEPLUT_RESULT summary line and ends with $fatal on any mismatch.',
    'module deeplut_tb;',
    `  localparam SAMPLES = ${samples};`,
    `  localparam LATENCY = ${latency};`,
    '',
    `  reg  [${inputBits - 1}:0] vectors [0:SAMPLES-1];`,
    `  reg  [${classIndexWidth - 1}:0] expected [0:SAMPLES-1];`,
  ];
  if (hasLabels) lines.push(`  reg  [${classIndexWidth - 1}:0] labels [0:SAMPLES-1];`);
  lines.push(
    `  reg  [${inputBits - 1}:0] x;`,
    `  wire [${classIndexWidth - 1}:0] class_index;`,
    `  wire [${scoresWidth - 1}:0] scores;`,
    '  integer sample;',
    '  integer mismatches;',
    '  integer correct;',
    '  integer accuracy;',
    '',
  );

  if (registered) {
    lines.push(
      '  reg clk;',
      '  initial clk = 1\'b0;',
      '  always #5 clk = ~clk;',
      '  integer cycle;',
      '',
      '  deeplut_top dut (.clk(clk), .x(x), .class_index(class_index), .scores(scores));',
    );
  } else {
    lines.push('  deeplut_top dut (.x(x), .class_index(class_index), .scores(scores));');
  }

  lines.push(
    '',
    '  // Compares the output for one sample with the expected class and, if present, the label.',
    '  task check;',
    '    input integer index;',
    '    begin',
    '      if (class_index !== expected[index]) begin',
    '        mismatches = mismatches + 1;',
    '        if (mismatches <= 10)',
    '          $display("mismatch: sample %0d class_index=%0d expected=%0d", index, class_index, expected[index]);',
    '      end',
  );
  if (hasLabels) lines.push('      if (class_index === labels[index]) correct = correct + 1;');
  lines.push('    end', '  endtask', '');

  lines.push(
    '  initial begin',
    '    $readmemh("vectors.hex", vectors);',
    '    $readmemh("expected.hex", expected);',
  );
  if (hasLabels) lines.push('    $readmemh("labels.hex", labels);');
  lines.push('    mismatches = 0;', '    correct = 0;', `    x = ${inputBits}'d0;`, '');

  if (registered) {
    lines.push(
      '    // One vector per cycle: the output after clock edge `cycle` belongs to vector cycle - LATENCY + 1.',
      '    for (cycle = 0; cycle < SAMPLES + LATENCY - 1; cycle = cycle + 1) begin',
      '      if (cycle < SAMPLES) x = vectors[cycle];',
      '      @(posedge clk);',
      '      #1;',
      '      if (cycle >= LATENCY - 1) check(cycle - LATENCY + 1);',
      '    end',
    );
  } else {
    lines.push(
      '    for (sample = 0; sample < SAMPLES; sample = sample + 1) begin',
      '      x = vectors[sample];',
      '      #1;',
      '      check(sample);',
      '    end',
    );
  }

  lines.push('');
  if (hasLabels) {
    lines.push(
      '    // Accuracy in units of 1e-4, rounded to nearest.',
      '    accuracy = (correct * 10000 + SAMPLES / 2) / SAMPLES;',
      `    $display("${RESULT_PREFIX} samples=%0d mismatches=%0d accuracy=%0d.%04d", SAMPLES, mismatches, accuracy / 10000, accuracy % 10000);`,
    );
  } else {
    lines.push(
      '    accuracy = 0;',
      `    $display("${RESULT_PREFIX} samples=%0d mismatches=%0d accuracy=n/a", SAMPLES, mismatches);`,
    );
  }
  lines.push(
    '    if (mismatches != 0) $fatal(1, "%0d of %0d samples differ from expected.hex", mismatches, SAMPLES);',
    '    $finish;',
    '  end',
    'endmodule',
    '',
  );
  return lines.join('\n');
}

/** Writes one hex line per sample: bit i of a line's value is input bit i of `[samples][width]` bits. */
export function vectorsToHex(bits: Uint8Array, samples: number, width: number): string {
  if (bits.length !== samples * width) {
    throw new DataError(`vector array has ${bits.length} entries, expected samples * inputBits = ${samples * width}`);
  }
  const lines: string[] = [];
  for (let s = 0; s < samples; s++) lines.push(bitsToHex(bits.subarray(s * width, (s + 1) * width)));
  return lines.join('\n') + '\n';
}

/** Writes one hex line per class index, `width` bits each. */
export function classesToHex(classes: ArrayLike<number>, width: number): string {
  const digits = Math.ceil(width / 4);
  const lines: string[] = [];
  for (let i = 0; i < classes.length; i++) lines.push(classes[i].toString(16).padStart(digits, '0'));
  return lines.join('\n') + '\n';
}

/** Reads the summary line of the testbench output, or returns undefined when it is missing. */
export function parseTestbenchResult(output: string): { samples: number; mismatches: number; accuracy?: number } | undefined {
  const match = /DEEPLUT_RESULT samples=(\d+) mismatches=(\d+) accuracy=(\S+)/.exec(output);
  if (!match) return undefined;
  const accuracy = Number(match[3]);
  return {
    samples: Number(match[1]),
    mismatches: Number(match[2]),
    ...(Number.isFinite(accuracy) ? { accuracy } : {}),
  };
}
