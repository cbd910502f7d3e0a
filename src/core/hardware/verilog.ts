/**
 * Netlist -> Verilog-2001: one module per layer (`deeplut_layer0`, ...) and a top module
 * `deeplut_top` with the argmax. Every table is one line in the layer's combinational block.
 */
import type { Netlist, NetlistLayer } from './netlist';
import { constantNeuronOutput, indexWidth, popcountWidth, validateNetlist } from './validate';

export interface VerilogOptions {
  /** Add a clock `clk` and a register stage after every layer; the latency is then one cycle per layer. */
  registered?: boolean;
}

export interface VerilogDesign {
  /** File name -> Verilog text, layer modules first, `deeplut_top.v` last. */
  files: Map<string, string>;
  /** Clock cycles from an input vector to its `class_index`: the layer count when registered, else 0. */
  latency: number;
  /** Width of `class_index`: ceil(log2(classes)), at least 1. */
  indexWidth: number;
  /** Width of each class score in the `scores` output. */
  scoreWidth: number;
}

/** Module name of layer `index`. */
export function layerModuleName(index: number): string {
  return `deeplut_layer${index}`;
}

/** Writes the Verilog modules of a netlist. */
export function netlistToVerilog(netlist: Netlist, options: VerilogOptions = {}): VerilogDesign {
  validateNetlist(netlist);
  const files = new Map<string, string>();
  netlist.layers.forEach((layer, index) => {
    files.set(`${layerModuleName(index)}.v`, writeLayerModule(layer, index));
  });
  files.set('deeplut_top.v', writeTopModule(netlist, options.registered === true));

  const last = netlist.layers[netlist.layers.length - 1];
  return {
    files,
    latency: options.registered ? netlist.layers.length : 0,
    indexWidth: indexWidth(netlist.classes),
    scoreWidth: popcountWidth(last.tablesPerNeuron),
  };
}

/** Hex literal of `bits` (bit i = bits[i]) as a Verilog constant of that width. */
export function hexLiteral(bits: ArrayLike<number>): string {
  return `${bits.length}'h${bitsToHex(bits)}`;
}

/** Hex digits of a bit vector, most significant digit first; bit i of the vector is bits[i]. */
export function bitsToHex(bits: ArrayLike<number>): string {
  const digits = Math.ceil(bits.length / 4);
  let text = '';
  for (let d = digits - 1; d >= 0; d--) {
    let value = 0;
    for (let b = 3; b >= 0; b--) {
      const index = 4 * d + b;
      value = (value << 1) | (index < bits.length ? bits[index] & 1 : 0);
    }
    text += value.toString(16);
  }
  return text;
}

function range(width: number): string {
  return `[${width - 1}:0]`;
}

/** Concatenation of table inputs, highest input first, so that input 0 is the address LSB. */
function addressExpression(layer: NetlistLayer, table: number): string {
  const names: string[] = [];
  for (let i = layer.k - 1; i >= 0; i--) names.push(`x[${layer.inputs[table * layer.k + i]}]`);
  return names.length === 1 ? names[0] : `{${names.join(', ')}}`;
}

/**
 * A popcount function by pairwise sums: after step s every 2^s-bit field of `sum` contains the
 * number of ones in that field of the zero-padded input.
 */
function popcountFunction(inputWidth: number): string[] {
  const outputWidth = popcountWidth(inputWidth);
  let padded = 1;
  while (padded < inputWidth) padded *= 2;

  const lines = [
    '  // Number of ones in `value`, by pairwise sums: after step s each 2^s-bit field of `sum`',
    '  // contains the count of ones in that field.',
    `  function ${range(outputWidth)} popcount;`,
    `    input ${range(inputWidth)} value;`,
    `    reg ${range(padded)} sum;`,
    '    begin',
    padded > inputWidth ? `      sum = {${padded - inputWidth}'d0, value};` : '      sum = value;',
  ];
  for (let field = 1; field < padded; field *= 2) {
    const mask = new Uint8Array(padded);
    for (let i = 0; i < padded; i++) mask[i] = (i & field) === 0 ? 1 : 0;
    const literal = hexLiteral(mask);
    lines.push(`      sum = (sum & ${literal}) + ((sum >> ${field}) & ${literal});`);
  }
  lines.push(`      popcount = sum${range(outputWidth)};`, '    end', '  endfunction');
  return lines;
}

/**
 * Input bits that the Verilog never reads: inputs of omitted neurons, and with k = 1 the inputs of
 * constant tables, which are written as 1'b0 or 1'b1. Verilator's lint exempts signals whose name
 * contains "unused".
 */
function unusedInputs(layer: NetlistLayer, readTables: (neuron: number) => boolean): number[] {
  const read = new Uint8Array(layer.inputWidth);
  for (let j = 0; j < layer.neurons; j++) {
    if (!readTables(j)) continue;
    for (let t = j * layer.tablesPerNeuron; t < (j + 1) * layer.tablesPerNeuron; t++) {
      if (layer.k === 1 && layer.truthTables[2 * t] === layer.truthTables[2 * t + 1]) continue;
      for (let i = 0; i < layer.k; i++) read[layer.inputs[t * layer.k + i]] = 1;
    }
  }
  const unused: number[] = [];
  read.forEach((flag, i) => {
    if (!flag) unused.push(i);
  });
  return unused;
}

/**
 * Explains the table statements. A mask of the truth table is used in place of a function call
 * such as lut4(truth, address) because Icarus Verilog 11 ran it about 1.8 times faster (measured
 * on 16,384 random 4-input tables, 200 vectors).
 */
function tableFormComment(k: number): string {
  const entries = 1 << k;
  return `// Table statement: t[i] = |(TRUTH & (${entries}'d1 << {input ${k - 1}, ..., input 0})) is entry \`address\` of the ${entries}-bit truth table.`;
}

/** Statements that set `t` to the outputs of neuron j's tables, one line per table (one line per neuron when k = 1). */
function tableStatements(layer: NetlistLayer, neuron: number): string[] {
  const first = neuron * layer.tablesPerNeuron;
  const entries = 1 << layer.k;

  if (layer.k === 1) {
    return [`    t = ${binaryWeightExpression(layer, neuron)};`];
  }
  const lines: string[] = [];
  for (let t = 0; t < layer.tablesPerNeuron; t++) {
    const table = first + t;
    const truth = layer.truthTables.subarray(table * entries, (table + 1) * entries);
    lines.push(`    t[${t}] = |(${hexLiteral(truth)} & (${entries}'d1 << ${addressExpression(layer, table)}));`);
  }
  return lines;
}

/**
 * Writes the outputs of a neuron's 1-input tables as `inputs ~^ weights`: truth table 01 (identity) is
 * weight 1, 10 (NOT) weight 0, and the constant tables 00 and 11 read 1'b0 or 1'b1 with weight 1.
 */
function binaryWeightExpression(layer: NetlistLayer, neuron: number): string {
  const first = neuron * layer.tablesPerNeuron;
  const operands: string[] = [];
  const weights = new Uint8Array(layer.tablesPerNeuron);
  let identityOrder = true;

  for (let t = 0; t < layer.tablesPerNeuron; t++) {
    const table = first + t;
    const low = layer.truthTables[2 * table];
    const high = layer.truthTables[2 * table + 1];
    const source = layer.inputs[table];
    if (low === high) {
      operands.push(low ? "1'b1" : "1'b0");
      weights[t] = 1;
      identityOrder = false;
    } else {
      operands.push(`x[${source}]`);
      weights[t] = high;
      if (source !== t) identityOrder = false;
    }
  }

  const vector = identityOrder && layer.tablesPerNeuron === layer.inputWidth ? 'x' : `{${operands.reverse().join(', ')}}`;
  return `${vector} ~^ ${hexLiteral(weights)}`;
}

function writeLayerModule(layer: NetlistLayer, index: number): string {
  const activation = layer.activation;
  const isScore = activation.kind === 'score';
  const scoreWidth = popcountWidth(layer.tablesPerNeuron);
  const constantOf = (j: number): 0 | 1 | undefined =>
    activation.kind === 'threshold'
      ? constantNeuronOutput(activation.thresholds[j], activation.directions[j], layer.tablesPerNeuron)
      : undefined;

  const computed = Array.from({ length: layer.neurons }, (_, j) => constantOf(j) === undefined).some((flag) => flag);
  const outputPort = isScore
    ? `  output reg  ${range(layer.neurons * scoreWidth)} scores`
    : `  output ${computed ? 'reg ' : 'wire'} ${range(layer.neurons)} y`;
  const description = isScore
    ? `// Output: scores[${scoreWidth}*j +: ${scoreWidth}] is the popcount of neuron j's tables (class j's score).`
    : '// Output: y[j] = 1 when neuron j\'s popcount >= threshold (direction +1) or <= threshold (direction -1).';

  const lines = [
    `// Layer ${index} (${layer.name}): ${layer.neurons} neurons, ${layer.tablesPerNeuron} tables of ${layer.k} inputs per neuron.`,
    '// Table input i is address bit i, input 0 the least significant; bit 1 stands for +1, 0 for -1.',
    ...(layer.k > 1 ? [tableFormComment(layer.k)] : []),
    description,
    `module ${layerModuleName(index)} (`,
    `  input  wire ${range(layer.inputWidth)} x,`,
    outputPort,
    ');',
  ];
  if (computed) lines.push(...popcountFunction(layer.tablesPerNeuron), '');

  const unused = unusedInputs(layer, (j) => constantOf(j) === undefined);
  if (unused.length > 0) {
    const bits = unused.map((i) => `x[${i}]`).join(', ');
    lines.push('  // Inputs that no table reads.', `  wire unused_inputs = &{1'b0, ${bits}};`, '');
  }

  if (!computed) {
    // An always block with no inputs would never run, so a layer of constant neurons is one assignment.
    const bits = Array.from({ length: layer.neurons }, (_, j) => constantOf(j) ?? 0);
    lines.push('  // Every neuron is constant: its threshold lies outside the popcount range.', `  assign y = ${hexLiteral(bits)};`);
    lines.push('endmodule', '');
    return lines.join('\n');
  }

  lines.push(`  // Table outputs of the neuron being computed.`, `  reg ${range(layer.tablesPerNeuron)} t;`, '');
  lines.push('  always @* begin', `    t = ${layer.tablesPerNeuron}'d0;`);
  for (let j = 0; j < layer.neurons; j++) {
    lines.push('', ...neuronStatements(layer, j, scoreWidth, constantOf(j)));
  }
  lines.push('  end', 'endmodule', '');
  return lines.join('\n');
}

function neuronStatements(layer: NetlistLayer, j: number, scoreWidth: number, constant: 0 | 1 | undefined): string[] {
  const activation = layer.activation;
  if (activation.kind === 'score') {
    const low = j * scoreWidth;
    return [`    // Class ${j}`, ...tableStatements(layer, j), `    scores[${low + scoreWidth - 1}:${low}] = popcount(t);`];
  }

  const threshold = activation.thresholds[j];
  const operator = activation.directions[j] === 1 ? '>=' : '<=';
  if (constant !== undefined) {
    return [`    // Neuron ${j}: popcount ${operator} ${threshold} is ${constant ? 'always' : 'never'} true, so its tables are omitted.`, `    y[${j}] = 1'b${constant};`];
  }
  return [
    `    // Neuron ${j}: popcount ${operator} ${threshold}`,
    ...tableStatements(layer, j),
    `    y[${j}] = popcount(t) ${operator} ${scoreWidth}'d${threshold};`,
  ];
}

function writeTopModule(netlist: Netlist, registered: boolean): string {
  const layers = netlist.layers;
  const last = layers[layers.length - 1];
  const scoreWidth = popcountWidth(last.tablesPerNeuron);
  const scoresWidth = netlist.classes * scoreWidth;
  const classIndexWidth = indexWidth(netlist.classes);
  const output = registered ? 'reg ' : 'wire';

  const lines = [
    `// DeepLUT network: ${netlist.inputBits} input bits, ${layers.length} layers, ${netlist.classes} classes.`,
    '// x[i] is input bit i. scores[' + `${scoreWidth}*c +: ${scoreWidth}] is the score (popcount) of class c; class_index is`,
    '// the argmax of the scores, the lowest index winning ties.',
    registered
      ? `// Registered: a register stage after every layer, so class_index and scores follow x by ${layers.length} clock cycles.`
      : '// Combinational: class_index and scores follow x without a clock.',
    'module deeplut_top (',
  ];
  if (registered) lines.push('  input  wire clk,');
  lines.push(
    `  input  wire ${range(netlist.inputBits)} x,`,
    `  output ${output} ${range(classIndexWidth)} class_index,`,
    `  output ${output} ${range(scoresWidth)} scores`,
    ');',
  );

  let source = 'x';
  layers.forEach((layer, index) => {
    const isLast = index === layers.length - 1;
    const width = isLast ? scoresWidth : layer.neurons;
    const port = isLast ? 'scores' : 'y';
    const name = isLast ? 'layer_scores' : `layer${index}_out`;
    const wireName = registered || !isLast ? name : 'scores';

    lines.push('');
    if (wireName !== 'scores') lines.push(`  wire ${range(width)} ${wireName};`);
    lines.push(`  ${layerModuleName(index)} layer${index} (.x(${source}), .${port}(${wireName}));`);
    if (registered && !isLast) {
      lines.push(`  reg  ${range(width)} layer${index}_reg;`, `  always @(posedge clk) layer${index}_reg <= ${wireName};`);
      source = `layer${index}_reg`;
    } else {
      source = wireName;
    }
  });

  lines.push('', ...argmaxStatements(netlist.classes, scoreWidth, classIndexWidth, registered ? 'layer_scores' : 'scores', registered));
  lines.push('endmodule', '');
  return lines.join('\n');
}

/** Argmax by an upward scan with strict >, so the lowest class index wins ties. */
function argmaxStatements(classes: number, scoreWidth: number, classIndexWidth: number, scores: string, registered: boolean): string[] {
  const lines = ['  // Argmax: scanning upwards with strict > keeps the lowest class index on ties.'];
  const score = (c: number): string => `${scores}[${c * scoreWidth + scoreWidth - 1}:${c * scoreWidth}]`;
  if (classes === 1) {
    lines.push(`  wire ${range(classIndexWidth)} best_index = 1'b0;`);
  } else {
    lines.push(`  reg  ${range(classIndexWidth)} best_index;`, `  reg  ${range(scoreWidth)} best_score;`, '  always @* begin');
    lines.push(`    best_score = ${score(0)};`, `    best_index = ${classIndexWidth}'d0;`);
    for (let c = 1; c < classes; c++) {
      lines.push(`    if (${score(c)} > best_score) begin`, `      best_score = ${score(c)};`, `      best_index = ${classIndexWidth}'d${c};`, '    end');
    }
    lines.push('  end');
  }

  if (registered) {
    lines.push('', '  always @(posedge clk) begin', '    class_index <= best_index;', `    scores <= ${scores};`, '  end');
  } else {
    lines.push('  assign class_index = best_index;');
  }
  return lines;
}
