import { z } from 'zod';
import { MAX_SYNTHETIC_BITS, MIN_SYNTHETIC_BITS } from '../data/synthetic';
import { MAX_K } from '../lut/shape';

/**
 * The experiment spec: one zod schema gives the TypeScript types, the validation with its
 * messages, and the defaults. The command line reads it from a JSON file; the playground keeps
 * it in the URL. `parseSpec` in validate.ts adds the checks that need the whole network.
 */

export const SPEC_VERSION = 1;

function intRange(min: number, max: number) {
  const message = (issue: { input?: unknown }) => `must be an integer from ${min} to ${max}, got ${JSON.stringify(issue.input)}`;
  return z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
}

function numberRange(min: number, max: number, exclusiveMin = false) {
  const range = exclusiveMin ? `greater than ${min} and at most ${max}` : `from ${min} to ${max}`;
  const message = (issue: { input?: unknown }) => `must be a number ${range}, got ${JSON.stringify(issue.input)}`;
  const base = z.number({ error: message }).max(max, { error: message });
  return exclusiveMin ? base.gt(min, { error: message }) : base.min(min, { error: message });
}

function oneOf<T extends string>(values: readonly [T, ...T[]]) {
  return z.enum(values, { error: (issue) => `must be one of ${values.map((v) => `"${v}"`).join(', ')}, got ${JSON.stringify(issue.input)}` });
}

/** Which inputs each table of a LUT layer reads. */
export const maskSchema = z
  .object({
    /** expanded: one table per (input, neuron) pair; minimal: ceil(in / k) tables packing inputs in order; random: `fanIn` tables of k distinct random inputs. */
    kind: oneOf(['expanded', 'minimal', 'random']).default('expanded'),
    /** Tables per neuron for the random builder. */
    fanIn: intRange(1, 65_536).optional(),
    /** Expanded builder: draw the k - 1 extra inputs with replacement. */
    replacement: z.boolean().default(false),
  })
  .strict();

const lutLinearSchema = z
  .object({
    type: z.literal('LutLinear'),
    out: intRange(1, 65_536),
    k: intRange(1, MAX_K),
    mask: maskSchema.default({ kind: 'expanded', replacement: false }),
    /** 0: all real; 1: weights binarized; 2: inputs too; 3: table outputs too. */
    binarization: intRange(0, 3).default(2),
    /** false: each table uses only its first input (a binary XNOR weight), as in LUTNet's first phase. */
    inputExpanded: z.boolean().default(true),
    /** The table relaxation trained by gradient descent. */
    trainer: oneOf(['lagrange']).default('lagrange'),
    /** uniform: entries drawn from U(-1, 1); memorize: entries from one pass over the training set. */
    init: oneOf(['uniform', 'memorize']).default('uniform'),
  })
  .strict();

const binaryLinearSchema = z.object({ type: z.literal('BinaryLinear'), out: intRange(1, 65_536) }).strict();

const denseSchema = z.object({ type: z.literal('Dense'), out: intRange(1, 65_536), bias: z.boolean().default(true) }).strict();

const batchNormSchema = z
  .object({
    type: z.literal('BatchNorm'),
    momentum: numberRange(0, 1).default(0.9),
    epsilon: numberRange(0, 1, true).default(1e-5),
  })
  .strict();

const signSchema = z.object({ type: z.literal('Sign') }).strict();
const flattenSchema = z.object({ type: z.literal('Flatten') }).strict();

const LAYER_TYPES = ['LutLinear', 'BinaryLinear', 'Dense', 'BatchNorm', 'Sign', 'Flatten'] as const;

export const layerSchema = z.discriminatedUnion('type', [lutLinearSchema, binaryLinearSchema, denseSchema, batchNormSchema, signSchema, flattenSchema], {
  error: (issue) => {
    const input = issue.input as { type?: unknown } | undefined;
    return `must be one of ${LAYER_TYPES.join(', ')}, got ${JSON.stringify(input?.type)}`;
  },
});

const embeddedMnistSchema = z.object({ source: z.literal('mnist-embedded') }).strict();

const idxSchema = z
  .object({
    source: z.literal('idx'),
    /** Paths of the IDX files (raw or gzip), relative to the spec file. */
    trainImages: z.string().min(1),
    trainLabels: z.string().min(1),
    /** Test files; when both are absent, the test split is cut from the train files, disjoint from the train split. */
    testImages: z.string().min(1).optional(),
    testLabels: z.string().min(1).optional(),
    classes: intRange(2, 256).optional(),
  })
  .strict();

/** A boolean task generated from the spec's seed: parity, majority or a random truth table of `bits` inputs. */
const syntheticSchema = z
  .object({
    source: z.literal('synthetic'),
    task: oneOf(['parity', 'majority', 'random']).default('parity'),
    bits: intRange(MIN_SYNTHETIC_BITS, MAX_SYNTHETIC_BITS).default(8),
  })
  .strict();

/** A CSV file of numeric features (0-255, or all in [0, 1]) and one label column. */
const csvSchema = z
  .object({
    source: z.literal('csv'),
    /** Path relative to the spec file; in the playground, the name of the dropped file. */
    path: z.string().min(1),
    /** 0-based index or header name of the label column; the last column when absent. */
    labelColumn: z.union([z.number().int().min(0), z.string().min(1)]).optional(),
    classes: intRange(2, 256).optional(),
  })
  .strict();

const DATASET_SOURCES = ['mnist-embedded', 'idx', 'synthetic', 'csv'] as const;

export const datasetSchema = z.discriminatedUnion('source', [embeddedMnistSchema, idxSchema, syntheticSchema, csvSchema], {
  error: (issue) =>
    `must be one of ${DATASET_SOURCES.map((s) => `"${s}"`).join(', ')}, got ${JSON.stringify((issue.input as { source?: unknown } | undefined)?.source)}`,
});

export const phaseSchema = z
  .object({
    epochs: intRange(1, 10_000),
    /** Sets inputExpanded on every LutLinear layer for this phase; expanding keeps what the layer computes. */
    inputExpanded: z.boolean().optional(),
    learningRate: numberRange(0, 10, true).optional(),
  })
  .strict();

export const specSchema = z
  .object({
    version: z.literal(SPEC_VERSION, { error: (issue) => `must be ${SPEC_VERSION}, got ${JSON.stringify(issue.input)}` }).default(SPEC_VERSION),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit' })
      .default('experiment'),
    /** Seed of every random choice: masks, initial weights, shuffles, tie breaks. */
    seed: z.union([z.string().min(1), z.number().int()], { error: 'must be a non-empty string or an integer' }).default(1),
    dataset: datasetSchema.default({ source: 'mnist-embedded' }),
    /** Samples used for training and testing; at most what the dataset has. The embedded MNIST subset has 10,000. */
    split: z
      .object({ train: intRange(1, 10_000_000).default(8000), test: intRange(1, 10_000_000).default(2000) })
      .strict()
      .default({ train: 8000, test: 2000 }),
    encoder: z
      .object({ kind: z.literal('sign').default('sign'), threshold: intRange(0, 254).default(127) })
      .strict()
      .default({ kind: 'sign', threshold: 127 }),
    layers: z.array(layerSchema).min(1, { error: 'must list at least one layer' }),
    optimizer: oneOf(['adam', 'sgd']).default('adam'),
    learningRate: numberRange(0, 10, true).default(0.001),
    /** SGD momentum; ignored by Adam. */
    momentum: numberRange(0, 1).default(0),
    batchSize: intRange(1, 65_536).default(128),
    epochs: intRange(1, 10_000).default(10),
    /** Training phases, run in order; when absent, one phase of `epochs` epochs. */
    phases: z.array(phaseSchema).min(1).optional(),
  })
  .strict();

export type Spec = z.output<typeof specSchema>;
export type SpecInput = z.input<typeof specSchema>;
export type LayerSpec = Spec['layers'][number];
export type LutLinearSpec = Extract<LayerSpec, { type: 'LutLinear' }>;
export type DatasetSpec = Spec['dataset'];
export type LayerType = (typeof LAYER_TYPES)[number];
export { LAYER_TYPES, DATASET_SOURCES };
export type PhaseSpec = z.output<typeof phaseSchema>;
