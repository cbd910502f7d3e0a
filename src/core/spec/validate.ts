import type { z } from 'zod';
import { SpecError } from '../errors';
import { specSchema, type Spec } from './schema';

/** `layers[2].k` style path of a zod issue. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text ? `.${String(part)}` : String(part);
  }
  return text || '(spec)';
}

/** Replaces zod's generic wording for the issues whose messages the schema does not set. */
function issueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove or correct ${issue.keys.length === 1 ? 'it' : 'them'}`;
    case 'too_small':
      if (issue.origin === 'array') return `must list at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}, got none`;
      return issue.message;
    case 'invalid_type':
      if (issue.message.startsWith('Invalid input')) return `must be ${issue.expected === 'object' ? 'a JSON object' : issue.expected === 'array' ? 'a list' : `of type ${issue.expected}`}`;
      return issue.message;
    default:
      return issue.message;
  }
}

function formatIssues(issues: z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${formatPath(issue.path)}: ${issueMessage(issue)}`);
}

/**
 * Validates a spec object and fills in the defaults. Throws a SpecError listing every problem
 * as `path: message`, e.g. `layers[2].k: must be an integer from 1 to 8, got 20`.
 */
export function parseSpec(input: unknown): Spec {
  const result = specSchema.safeParse(input);
  if (!result.success) throw new SpecError(formatIssues(result.error.issues));
  const spec = result.data;

  const problems: string[] = [];
  spec.layers.forEach((layer, i) => {
    if (layer.type !== 'LutLinear') return;
    if (layer.mask.kind === 'random' && layer.mask.fanIn === undefined) {
      problems.push(`layers[${i}].mask.fanIn: the random mask needs a fan-in (tables per neuron), e.g. "fanIn": 64`);
    }
    if (layer.mask.kind !== 'random' && layer.mask.fanIn !== undefined) {
      problems.push(`layers[${i}].mask.fanIn: only the random mask takes a fan-in; remove it or set "kind": "random"`);
    }
  });
  if (spec.dataset.source === 'idx' && (spec.dataset.testImages === undefined) !== (spec.dataset.testLabels === undefined)) {
    problems.push('dataset: give both testImages and testLabels, or neither to cut the test split from the train files');
  }
  if (problems.length > 0) throw new SpecError(problems);
  return spec;
}

/** Parses spec JSON text; a syntax error becomes a SpecError with the parser's message. */
export function parseSpecJson(text: string, source = 'spec'): Spec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SpecError([`${source} is not valid JSON: ${(error as Error).message}`]);
  }
  return parseSpec(value);
}

/** The phases a spec trains: its `phases`, or one phase of `epochs` epochs. */
export function trainingPhases(spec: Spec) {
  return spec.phases ?? [{ epochs: spec.epochs }];
}
