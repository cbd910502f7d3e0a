import type { LayerSpec, LayerType, LutLinearSpec } from '../../core/spec/schema';
import { LAYER_TYPES } from '../../core/spec/schema';
import { useServices, useSpecStore } from '../context';
import { formatBytes, formatCount } from '../format';
import { layerStats, type LayerStats, type Validation } from '../validation';

interface FieldProps {
  label: string;
  path: string;
  validation: Validation;
  children: React.ReactNode;
}

/** Renders a labelled control with its validation message beside it. */
function Field({ label, path, validation, children }: FieldProps) {
  const problem = validation.byPath[path];
  return (
    <label className={problem ? 'field invalid' : 'field'}>
      <span>{label}</span>
      {children}
      {problem && (
        <em className="field-error" role="alert" data-path={path}>
          {problem}
        </em>
      )}
    </label>
  );
}

function numberValue(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

function LutFields({ layer, index, validation }: { layer: LutLinearSpec; index: number; validation: Validation }) {
  const update = useSpecStore((s) => s.updateLayer);
  const path = `layers[${index}]`;
  return (
    <>
      <Field label="out" path={`${path}.out`} validation={validation}>
        <input type="number" aria-label={`layer ${index} out`} value={Number.isNaN(layer.out) ? '' : layer.out} onChange={(e) => update(index, { out: numberValue(e.target.value) })} />
      </Field>
      <Field label="K" path={`${path}.k`} validation={validation}>
        <input type="number" aria-label={`layer ${index} k`} value={Number.isNaN(layer.k) ? '' : layer.k} onChange={(e) => update(index, { k: numberValue(e.target.value) })} />
      </Field>
      <Field label="mask" path={`${path}.mask.kind`} validation={validation}>
        <select
          aria-label={`layer ${index} mask`}
          value={layer.mask.kind}
          onChange={(e) => {
            const kind = e.target.value as LutLinearSpec['mask']['kind'];
            update(index, { mask: { kind, replacement: layer.mask.replacement, ...(kind === 'random' ? { fanIn: layer.mask.fanIn ?? 16 } : {}) } });
          }}
        >
          <option value="expanded">expanded</option>
          <option value="minimal">minimal</option>
          <option value="random">random fan-in</option>
        </select>
      </Field>
      {layer.mask.kind === 'random' && (
        <Field label="fan-in" path={`${path}.mask.fanIn`} validation={validation}>
          <input type="number" aria-label={`layer ${index} fan-in`} value={layer.mask.fanIn ?? ''} onChange={(e) => update(index, { mask: { ...layer.mask, fanIn: numberValue(e.target.value) } })} />
        </Field>
      )}
      <Field label="binarization" path={`${path}.binarization`} validation={validation}>
        <select aria-label={`layer ${index} binarization`} value={layer.binarization} onChange={(e) => update(index, { binarization: Number(e.target.value) })}>
          <option value={0}>0: all real</option>
          <option value={1}>1: entries</option>
          <option value={2}>2: entries + inputs</option>
          <option value={3}>3: + outputs</option>
        </select>
      </Field>
      <Field label="inputExpanded" path={`${path}.inputExpanded`} validation={validation}>
        <input type="checkbox" aria-label={`layer ${index} inputExpanded`} checked={layer.inputExpanded} onChange={(e) => update(index, { inputExpanded: e.target.checked })} />
      </Field>
      <Field label="init" path={`${path}.init`} validation={validation}>
        <select aria-label={`layer ${index} init`} value={layer.init} onChange={(e) => update(index, { init: e.target.value as LutLinearSpec['init'] })}>
          <option value="uniform">uniform</option>
          <option value="memorize">memorize</option>
        </select>
      </Field>
    </>
  );
}

function LayerFields({ layer, index, validation }: { layer: LayerSpec; index: number; validation: Validation }) {
  const update = useSpecStore((s) => s.updateLayer);
  if (layer.type === 'LutLinear') return <LutFields layer={layer} index={index} validation={validation} />;
  if (layer.type === 'BinaryLinear' || layer.type === 'Dense') {
    return (
      <Field label="out" path={`layers[${index}].out`} validation={validation}>
        <input type="number" aria-label={`layer ${index} out`} value={Number.isNaN(layer.out) ? '' : layer.out} onChange={(e) => update(index, { out: numberValue(e.target.value) })} />
      </Field>
    );
  }
  if (layer.type === 'BatchNorm') {
    return (
      <Field label="momentum" path={`layers[${index}].momentum`} validation={validation}>
        <input type="number" step="0.01" aria-label={`layer ${index} momentum`} value={layer.momentum} onChange={(e) => update(index, { momentum: numberValue(e.target.value) })} />
      </Field>
    );
  }
  return null;
}

function Stats({ stats, layer, invalid }: { stats: LayerStats | undefined; layer: LayerSpec; invalid: boolean }) {
  if (!stats) return null;
  if (invalid) return <span className="stats">sizes appear once the layer is valid</span>;
  const width = `${formatCount(stats.inputWidth)} → ${formatCount(stats.outputWidth)}`;
  if (layer.type !== 'LutLinear' && layer.type !== 'BinaryLinear' && layer.type !== 'Dense') return <span className="stats">{width}</span>;
  return (
    <span className="stats" data-testid="layer-stats">
      {width} · {formatCount(stats.tables)} tables · {formatCount(stats.weights)} weights · ~{formatBytes(stats.trainingBytes)} to train
    </span>
  );
}

/** Renders the visual network builder: one card per layer, with add, remove, reorder and duplicate. */
export function NetworkPanel({ validation, inputWidth }: { validation: Validation; inputWidth: number }) {
  const { spec } = useServices();
  const layers = useSpecStore((s) => s.spec.layers);
  const stats = Array.isArray(layers) ? layerStats(layers, inputWidth) : [];
  const actions = spec.getState();
  const total = stats.reduce((sum, s) => ({ tables: sum.tables + s.tables, weights: sum.weights + s.weights, bytes: sum.bytes + s.trainingBytes }), { tables: 0, weights: 0, bytes: 0 });

  const anyLayerInvalid = Object.keys(validation.byPath).some((path) => /^layers\[\d+\]\./.test(path));
  return (
    <section className="panel" aria-label="Network">
      <p className="summary">
        {layers.length} layers on {formatCount(inputWidth)} input features ·{' '}
        {anyLayerInvalid
          ? 'totals appear once every layer is valid'
          : `${formatCount(total.tables)} tables · ${formatCount(total.weights)} weights · ~${formatBytes(total.bytes)} training memory (estimate: weights, gradients, Adam moments)`}
      </p>
      {validation.byPath.layers && <p className="error" role="alert">{validation.byPath.layers}</p>}
      <ol className="layers">
        {layers.map((layer, index) => (
          <li key={index} className="layer-card" data-testid={`layer-${index}`}>
            <header>
              <strong>
                {index}. {layer.type}
              </strong>
              <Stats stats={stats[index]} layer={layer} invalid={Object.keys(validation.byPath).some((path) => path.startsWith(`layers[${index}].`))} />
              <span className="layer-actions">
                <button type="button" aria-label={`move layer ${index} up`} disabled={index === 0} onClick={() => actions.moveLayer(index, -1)}>↑</button>
                <button type="button" aria-label={`move layer ${index} down`} disabled={index === layers.length - 1} onClick={() => actions.moveLayer(index, 1)}>↓</button>
                <button type="button" aria-label={`duplicate layer ${index}`} onClick={() => actions.duplicateLayer(index)}>copy</button>
                <button type="button" aria-label={`remove layer ${index}`} onClick={() => actions.removeLayer(index)}>✕</button>
              </span>
            </header>
            {validation.byPath[`layers[${index}]`] && <p className="field-error" role="alert">{validation.byPath[`layers[${index}]`]}</p>}
            <div className="fields">
              <LayerFields layer={layer} index={index} validation={validation} />
            </div>
          </li>
        ))}
      </ol>
      <div className="add-layer">
        Add layer:
        {LAYER_TYPES.map((type: LayerType) => (
          <button key={type} type="button" onClick={() => actions.addLayer(type)}>
            + {type}
          </button>
        ))}
      </div>
    </section>
  );
}
