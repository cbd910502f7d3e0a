/**
 * The experiment being edited. The draft may be invalid while the user types; `validateDraft`
 * explains its problems, and only a valid draft reaches the URL and the worker.
 */
import { createStore } from 'zustand/vanilla';
import { layerSchema, type LayerSpec, type LayerType, type Spec } from '../../core/spec/schema';
import { parseSpec } from '../../core/spec/validate';

export interface SpecStore {
  /** The spec as edited: types match Spec, values may be out of range. */
  spec: Spec;
  /** Message about the spec loaded from the URL (broken link, clamped values). */
  notice?: string;
  setSpec(spec: Spec, notice?: string): void;
  setField<K extends keyof Spec>(key: K, value: Spec[K]): void;
  updateLayer(index: number, patch: Partial<LayerSpec>): void;
  addLayer(type: LayerType, index?: number): void;
  removeLayer(index: number): void;
  moveLayer(index: number, offset: number): void;
  duplicateLayer(index: number): void;
}

/** The experiment a fresh page starts with: a small two-layer LUT network on the embedded MNIST subset. */
export const DEFAULT_SPEC: Spec = parseSpec({
  name: 'mnist-lut',
  seed: 1,
  dataset: { source: 'mnist-embedded' },
  split: { train: 4000, test: 1000 },
  layers: [
    { type: 'Flatten' },
    { type: 'LutLinear', out: 64, k: 4, mask: { kind: 'random', fanIn: 32 } },
    { type: 'BatchNorm' },
    { type: 'Sign' },
    { type: 'LutLinear', out: 10, k: 4, mask: { kind: 'minimal' } },
  ],
  learningRate: 0.01,
  batchSize: 64,
  epochs: 5,
});

/** A new layer of `type` with the schema's defaults. */
export function newLayer(type: LayerType): LayerSpec {
  switch (type) {
    case 'LutLinear':
      return layerSchema.parse({ type, out: 10, k: 4 });
    case 'BinaryLinear':
    case 'Dense':
      return layerSchema.parse({ type, out: 64 });
    default:
      return layerSchema.parse({ type });
  }
}

function withLayers(spec: Spec, change: (layers: LayerSpec[]) => void): Spec {
  const layers = [...spec.layers];
  change(layers);
  return { ...spec, layers };
}

export function createSpecStore(initial: Spec = DEFAULT_SPEC) {
  return createStore<SpecStore>()((set) => ({
    spec: initial,
    setSpec: (spec, notice) => set({ spec, notice }),
    setField: (key, value) => set((s) => ({ spec: { ...s.spec, [key]: value } })),
    updateLayer: (index, patch) =>
      set((s) => ({ spec: withLayers(s.spec, (layers) => (layers[index] = { ...layers[index], ...patch } as LayerSpec)) })),
    addLayer: (type, index) =>
      set((s) => ({ spec: withLayers(s.spec, (layers) => layers.splice(index ?? layers.length, 0, newLayer(type))) })),
    removeLayer: (index) => set((s) => ({ spec: withLayers(s.spec, (layers) => layers.splice(index, 1)) })),
    moveLayer: (index, offset) =>
      set((s) => ({
        spec: withLayers(s.spec, (layers) => {
          const target = index + offset;
          if (target < 0 || target >= layers.length) return;
          [layers[index], layers[target]] = [layers[target], layers[index]];
        }),
      })),
    duplicateLayer: (index) => set((s) => ({ spec: withLayers(s.spec, (layers) => layers.splice(index + 1, 0, structuredClone(layers[index]))) })),
  }));
}

export type SpecStoreApi = ReturnType<typeof createSpecStore>;
