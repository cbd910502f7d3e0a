/**
 * Synthetic boolean tasks: samples of n random bits with a label computed from them. They
 * train in seconds, so they suit quick experiments and tests. A bit is stored as the feature
 * 0 or 255, so the default sign encoder (threshold 127) turns it into -1 or +1.
 */
import { DataError } from '../errors';
import { Random } from '../random';
import type { Dataset } from './dataset';

/** parity: XOR of all bits; majority: 1 when more than half the bits are 1; random: a seeded truth table over the n bits. */
export const SYNTHETIC_TASKS = ['parity', 'majority', 'random'] as const;
export type SyntheticTask = (typeof SYNTHETIC_TASKS)[number];

/** Fewest and most input bits of a synthetic task; 2^20 entries bound the random truth table at 1 MiB. */
export const MIN_SYNTHETIC_BITS = 2;
export const MAX_SYNTHETIC_BITS = 20;

export interface SyntheticOptions {
  task: SyntheticTask;
  bits: number;
  count: number;
  /** Seed of the sample bits and, for `random`, of the truth table. */
  seed: string;
}

/**
 * Draws the truth table of the `random` task: entry a is the label of the input whose bit i is
 * address bit i (bit 0 the least significant), the netlist's address convention.
 */
export function randomTruthTable(bits: number, rng: Random): Uint8Array {
  const table = new Uint8Array(2 ** bits);
  for (let a = 0; a < table.length; a++) table[a] = rng.float() < 0.5 ? 0 : 1;
  return table;
}

/** Label of one sample given its bits as 0/1 values. */
function labelOf(task: SyntheticTask, sampleBits: Uint8Array, table: Uint8Array | undefined): number {
  let ones = 0;
  let address = 0;
  for (let i = 0; i < sampleBits.length; i++) {
    ones += sampleBits[i];
    address |= sampleBits[i] << i;
  }
  if (task === 'parity') return ones & 1;
  if (task === 'majority') return 2 * ones > sampleBits.length ? 1 : 0;
  return table![address];
}

/**
 * Generates `count` samples of a synthetic task, each bit uniform and independent. The same
 * options give the same dataset. Raises a DataError for an unknown task or a bit count
 * outside MIN_SYNTHETIC_BITS..MAX_SYNTHETIC_BITS.
 */
export function syntheticDataset(options: SyntheticOptions): Dataset {
  const { task, bits, count } = options;
  if (!(SYNTHETIC_TASKS as readonly string[]).includes(task)) {
    throw new DataError(`unknown synthetic task "${task}"; use one of ${SYNTHETIC_TASKS.join(', ')}`);
  }
  if (!Number.isInteger(bits) || bits < MIN_SYNTHETIC_BITS || bits > MAX_SYNTHETIC_BITS) {
    throw new DataError(`invalid bit count ${bits} for the ${task} task: expected an integer ${MIN_SYNTHETIC_BITS}-${MAX_SYNTHETIC_BITS}`);
  }
  if (!Number.isInteger(count) || count < 1) throw new DataError(`invalid sample count ${count} for the ${task} task: expected a positive integer`);

  const root = new Random(options.seed).derive(`synthetic.${task}.${bits}`);
  const table = task === 'random' ? randomTruthTable(bits, root.derive('table')) : undefined;
  const rng = root.derive('samples');
  const features = new Uint8Array(count * bits);
  const labels = new Uint8Array(count);
  const sampleBits = new Uint8Array(bits);

  for (let s = 0; s < count; s++) {
    for (let i = 0; i < bits; i++) {
      sampleBits[i] = rng.float() < 0.5 ? 0 : 1;
      features[s * bits + i] = sampleBits[i] * 255;
    }
    labels[s] = labelOf(task, sampleBits, table);
  }

  return { name: `${bits}-bit ${task}`, sampleShape: [bits], featureCount: bits, count, features, labels, classes: 2 };
}
