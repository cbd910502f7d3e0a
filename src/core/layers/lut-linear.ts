import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../errors';
import { steSign } from '../lut/binarize';
import { lut } from '../lut/op';
import { checkMask, type LutShape } from '../lut/shape';
import { expandedMask, minimalMask, randomFanInMask, type Mask } from '../masks';
import type { Random } from '../random';
import type { LutLinearSpec } from '../spec/schema';
import type { ForwardContext, Layer, LayerState, Parameter } from './layer';
import { LATENT_INIT_LIMIT, newVariable, storedFloat } from './layer';
import { assignStored, readStoredFloat, readVariable } from './state';

/** Builds the mask that a LutLinear spec names, from the layer's own random stream. */
export function buildMask(spec: LutLinearSpec, inputWidth: number, rng: Random): Mask {
  switch (spec.mask.kind) {
    case 'expanded':
      return expandedMask(inputWidth, spec.out, spec.k, rng, spec.mask.replacement);
    case 'minimal':
      return minimalMask(inputWidth, spec.out, spec.k);
    case 'random':
      return randomFanInMask(inputWidth, spec.out, spec.k, spec.mask.fanIn ?? inputWidth, rng);
  }
}

/**
 * LUTNet-style LUT layer: neuron j sums the outputs of its tables, each a k-input lookup table
 * trained through the Lagrange relaxation (see lut/kernel-js.ts), scaled by a learned |gamma|.
 * There is no bias: a BatchNorm after the layer provides it.
 *
 * Binarization level: 0 all real; 1 entries binarized by sign in the forward pass; 2 table
 * inputs too; 3 each table's output too. Straight-through gradients throughout.
 *
 * With `inputExpanded` false each table has one latent weight w and uses only its first
 * input: f = |gamma| * w * x_0, a binary XNOR weight. `expand()` turns such a layer into full
 * tables with w_p = w * s_p,0, which compute exactly the same function.
 */
export class LutLinear implements Layer {
  readonly type = 'LutLinear';
  readonly outputWidth: number;
  readonly k: number;
  readonly binarization: number;
  readonly tablesPerNeuron: number;
  /** [neurons][tablesPerNeuron][k] input indices. */
  readonly mask: Int32Array;
  /** [tables, 2^k] entries when expanded, [tables, 1] latent XNOR weights when not. */
  weights: tf.Variable;
  readonly gamma: tf.Variable;
  inputExpanded: boolean;
  private readonly firstInputs: Int32Array;

  constructor(
    readonly name: string,
    readonly inputWidth: number,
    readonly spec: LutLinearSpec,
    rng: Random,
  ) {
    this.outputWidth = spec.out;
    this.k = spec.k;
    this.binarization = spec.binarization;
    this.inputExpanded = spec.inputExpanded;

    const mask = buildMask(spec, inputWidth, rng.derive('mask'));
    this.tablesPerNeuron = mask.tablesPerNeuron;
    this.mask = mask.indices;
    checkMask(this.mask, this.shape(true));
    this.firstInputs = this.mask.filter((_, i) => i % this.k === 0);

    const initRng = rng.derive('weights');
    const count = this.tableCount * (this.inputExpanded ? 1 << this.k : 1);
    const initial = new Float32Array(count);
    for (let i = 0; i < count; i++) initial[i] = initRng.uniform(-LATENT_INIT_LIMIT, LATENT_INIT_LIMIT);
    this.weights = newVariable(() => tf.tensor2d(initial, [this.tableCount, this.inputExpanded ? 1 << this.k : 1]), true);
    this.gamma = newVariable(() => tf.scalar(1 / Math.sqrt(this.tablesPerNeuron)), true);
  }

  get tableCount(): number {
    return this.outputWidth * this.tablesPerNeuron;
  }

  /** Geometry seen by the LUT op: full tables, or one-input tables before expansion. */
  shape(expanded = this.inputExpanded): LutShape {
    return { inputWidth: this.inputWidth, neurons: this.outputWidth, tablesPerNeuron: this.tablesPerNeuron, k: expanded ? this.k : 1 };
  }

  apply(x: tf.Tensor2D, context: ForwardContext): tf.Tensor2D {
    const binaryWeights = context.binary || this.binarization >= 1;
    const binaryInputs = context.binary || this.binarization >= 2;
    const options = { binaryInputs, binarizeOutput: this.binarization >= 3 };

    const inputs = binaryInputs ? (steSign(x) as tf.Tensor2D) : x;
    // The op binarizes full tables itself, saving passes over every entry.
    if (this.inputExpanded) return lut(inputs, this.weights, this.gamma as tf.Scalar, this.mask, this.shape(), { ...options, binarizeEntries: binaryWeights });

    // One-input table of weight w: entry 0 (x_0 = -1) is -w, entry 1 (x_0 = +1) is +w. The
    // sign comes first, so that w = 0 gives the entries (-1, +1).
    const latent = binaryWeights ? steSign(this.weights) : this.weights;
    const entries = tf.concat([tf.neg(latent), latent], 1);
    return lut(inputs, entries, this.gamma as tf.Scalar, this.firstInputs, this.shape(), options);
  }

  /**
   * Switches to full tables that compute what the one-input tables computed: w_p = w * s_p,0.
   * The product runs on the backend, so no value is read back, and multiplying by ±1 is exact.
   */
  expand(): void {
    if (this.inputExpanded) return;
    const entries = 1 << this.k;
    // s_p,0: +1 where address p sets its first input, -1 elsewhere.
    const firstInputSigns = new Float32Array(entries).map((_, p) => (p & 1 ? 1 : -1));
    const latent = this.weights;
    this.weights = newVariable(() => tf.mul(latent, tf.tensor2d(firstInputSigns, [1, entries])), true);
    latent.dispose();
    this.inputExpanded = true;
  }

  /** Replaces every table entry, e.g. after the Memorize initializer; requires the expanded form. */
  setEntries(entries: Float32Array): void {
    if (!this.inputExpanded) throw new Error(`${this.name}: table entries can only be set on an expanded layer`);
    tf.tidy(() => this.weights.assign(tf.tensor2d(entries, this.weights.shape as [number, number])));
  }

  /**
   * Reads the truth tables of the exported circuit, [tables][2^k'] with k' = k when expanded and
   * 1 when not: bit p is 1 where the binarized entry is +1, that is where the latent entry is >= 0.
   */
  async truthTables(): Promise<{ k: number; inputs: Int32Array; bits: Uint8Array }> {
    const expanded = this.inputExpanded;
    const latent = await readVariable(this.weights);
    if (expanded) {
      const bits = new Uint8Array(latent.length);
      for (let i = 0; i < latent.length; i++) bits[i] = latent[i] >= 0 ? 1 : 0;
      return { k: this.k, inputs: this.mask, bits };
    }
    const bits = new Uint8Array(this.tableCount * 2);
    for (let t = 0; t < this.tableCount; t++) {
      const positive = latent[t] >= 0 ? 1 : 0;
      bits[2 * t] = 1 - positive;
      bits[2 * t + 1] = positive;
    }
    return { k: 1, inputs: this.firstInputs, bits };
  }

  parameters(): Parameter[] {
    return [
      { name: `${this.name}.weights`, variable: this.weights, binary: this.binarization >= 1 },
      { name: `${this.name}.gamma`, variable: this.gamma, binary: false },
    ];
  }

  async saveState(): Promise<LayerState> {
    const weightsShape = this.weights.shape;
    const inputExpanded = this.inputExpanded;
    const [weights, gamma] = await Promise.all([readVariable(this.weights), readVariable(this.gamma)]);
    return {
      arrays: {
        mask: { shape: [this.outputWidth, this.tablesPerNeuron, this.k], dtype: 'int32', data: this.mask },
        weights: storedFloat(weights, weightsShape),
        gamma: storedFloat(gamma, []),
      },
      settings: { inputExpanded },
    };
  }

  loadState(state: LayerState): void {
    const mask = state.arrays.mask;
    if (!mask || mask.dtype !== 'int32' || mask.data.length !== this.mask.length) {
      throw new CheckpointError(`${this.name}: saved mask is missing or has the wrong size; expected ${this.mask.length} int32 indices`);
    }
    this.mask.set(mask.data);
    checkMask(this.mask, this.shape(true));
    this.firstInputs.set(this.mask.filter((_, i) => i % this.k === 0));

    const expanded = state.settings?.inputExpanded;
    if (typeof expanded !== 'boolean') throw new CheckpointError(`${this.name}: saved state lacks the inputExpanded setting`);
    const entries = expanded ? 1 << this.k : 1;
    const weights = readStoredFloat(state, 'weights', [this.tableCount, entries], this.name);
    this.weights.dispose();
    this.weights = newVariable(() => tf.tensor2d(weights, [this.tableCount, entries]), true);
    this.inputExpanded = expanded;
    assignStored(this.gamma, state, 'gamma', this.name);
  }

  dispose(): void {
    this.weights.dispose();
    this.gamma.dispose();
  }
}
