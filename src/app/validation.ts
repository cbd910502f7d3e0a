/**
 * Checks the spec being edited and explains each problem next to its field: the zod schema
 * first, then the checks of parseSpec and checkNetwork that need the whole network and the
 * loaded data. Nothing here computes tensors.
 */
import { SpecError } from '../core/errors';
import type { LayerSpec, Spec } from '../core/spec/schema';
import { specSchema } from '../core/spec/schema';
import { formatPath, parseSpec } from '../core/spec/validate';
import { checkNetwork, lutTablesPerNeuron, lutWeightCount, TRAINING_BYTES_PER_WEIGHT } from '../core/train/network';

/** Width and classes of the loaded data, which the network must match. */
export interface DataShape {
  featureCount: number;
  classes: number;
}

export interface Validation {
  /** Problem message per spec path, e.g. `layers[2].k`. */
  byPath: Record<string, string>;
  /** Every problem as `path: message`. */
  problems: string[];
}

function addIssue(result: Validation, text: string): void {
  const split = text.indexOf(': ');
  const path = split > 0 ? text.slice(0, split) : '(spec)';
  const message = split > 0 ? text.slice(split + 2) : text;
  result.byPath[path] ??= message;
  result.problems.push(`${path}: ${message}`);
}

/** Validates a draft spec against the schema, the network rules and, when loaded, the data. */
export function validateDraft(draft: unknown, data?: DataShape): Validation {
  const result: Validation = { byPath: {}, problems: [] };
  const parsed = specSchema.safeParse(draft);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) addIssue(result, `${formatPath(issue.path)}: ${issue.message}`);
    return result;
  }
  try {
    const spec = parseSpec(draft);
    if (data) checkNetwork(spec, data.featureCount, data.classes);
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    for (const issue of error.issues) addIssue(result, issue);
  }
  return result;
}

/** Size of one layer as the builder shows it. */
export interface LayerStats {
  inputWidth: number;
  outputWidth: number;
  /** LUT tables (BinaryLinear: one-input tables, one per weight). */
  tables: number;
  /** Trainable weights. */
  weights: number;
  /** Estimated training memory in bytes: weights, gradients and optimizer state. */
  trainingBytes: number;
}

/** Per-layer widths, table counts, weights and training memory estimates for `inputWidth` input features. */
export function layerStats(layers: LayerSpec[], inputWidth: number): LayerStats[] {
  let width = inputWidth;
  return layers.map((layer) => {
    const inputWidthHere = width;
    let tables = 0;
    let weights = 0;
    if (layer.type === 'LutLinear') {
      const valid = Number.isInteger(layer.k) && layer.k >= 1 && layer.k <= 8 && layer.out >= 1;
      tables = valid ? layer.out * lutTablesPerNeuron(layer, width) : 0;
      weights = valid ? lutWeightCount(layer, width) : 0;
      width = layer.out;
    } else if (layer.type === 'BinaryLinear' || layer.type === 'Dense') {
      tables = layer.type === 'BinaryLinear' ? width * layer.out : 0;
      weights = width * layer.out;
      width = layer.out;
    } else if (layer.type === 'BatchNorm') {
      weights = 2 * width;
    }
    return { inputWidth: inputWidthHere, outputWidth: width, tables, weights, trainingBytes: weights * TRAINING_BYTES_PER_WEIGHT };
  });
}

/** True when the draft is a complete valid spec; narrows it to Spec. */
export function isValidSpec(draft: unknown, validation: Validation): draft is Spec {
  return validation.problems.length === 0 && typeof draft === 'object' && draft !== null;
}
