import type { Spec } from '../../core/spec/schema';
import { useRunStore, useServices, useSpecStore } from '../context';
import { formatPercent } from '../format';
import type { Validation } from '../validation';
import { AccuracyChart, BatchChart } from './TrainingCharts';

function SettingInput({ label, field, validation, step }: { label: string; field: 'learningRate' | 'batchSize' | 'epochs'; validation: Validation; step?: string }) {
  const { spec } = useServices();
  const value = useSpecStore((s) => s.spec[field]);
  const problem = validation.byPath[field];
  return (
    <label className={problem ? 'field invalid' : 'field'}>
      <span>{label}</span>
      <input type="number" step={step} aria-label={label} value={Number.isNaN(value) ? '' : value} onChange={(e) => spec.getState().setField(field, e.target.value === '' ? Number.NaN : Number(e.target.value))} />
      {problem && <em className="field-error">{problem}</em>}
    </label>
  );
}

function Settings({ validation }: { validation: Validation }) {
  const { spec } = useServices();
  const seed = useSpecStore((s) => s.spec.seed);
  const optimizer = useSpecStore((s) => s.spec.optimizer);
  return (
    <fieldset className="settings">
      <legend>Training settings</legend>
      <SettingInput label="learning rate" field="learningRate" step="0.001" validation={validation} />
      <SettingInput label="batch size" field="batchSize" validation={validation} />
      <SettingInput label="epochs" field="epochs" validation={validation} />
      <label className={validation.byPath.seed ? 'field invalid' : 'field'}>
        <span>seed</span>
        <input
          type="text"
          aria-label="seed"
          value={String(seed)}
          onChange={(e) => spec.getState().setField('seed', /^-?\d+$/.test(e.target.value) ? Number(e.target.value) : e.target.value)}
        />
        {validation.byPath.seed && <em className="field-error">{validation.byPath.seed}</em>}
      </label>
      <label className="field">
        <span>optimizer</span>
        <select aria-label="optimizer" value={optimizer} onChange={(e) => spec.getState().setField('optimizer', e.target.value as Spec['optimizer'])}>
          <option value="adam">Adam</option>
          <option value="sgd">SGD</option>
        </select>
      </label>
    </fieldset>
  );
}

function EpochSummary() {
  const last = useRunStore((s) => s.history.at(-1));
  return (
    <p className="summary" data-testid="epoch-summary">
      {last
        ? `Epoch ${last.epoch}: train loss ${last.trainLoss.toFixed(4)}, train accuracy ${formatPercent(last.trainAccuracy)}, test accuracy ${formatPercent(last.testAccuracyFloat)} (float) / ${formatPercent(last.testAccuracy)} (binary, exportable), ${Math.round(last.samplesPerSecond)} samples/s`
        : 'No epoch finished yet. Press Train.'}
    </p>
  );
}

/** Training settings and the live curves: loss, accuracies (float and binary) and samples/s. */
export function TrainPanel({ validation }: { validation: Validation }) {
  return (
    <section className="panel" aria-label="Training">
      <Settings validation={validation} />
      <EpochSummary />
      <div className="charts">
        <BatchChart />
        <AccuracyChart />
      </div>
    </section>
  );
}
