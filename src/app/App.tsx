import { Suspense, lazy, useEffect, useMemo, useState } from 'react';
import { encodeSpecHash } from '../core/spec/url';
import { BACKEND_ORDER, type BackendName, type BackendReport, type LutImplementationName } from '../worker/protocol';
import { useRunStore, useServices, useSpecStore } from './context';
import { DataPanel } from './panels/DataPanel';
import { ExportPanel } from './panels/ExportPanel';
import { InspectPanel } from './panels/InspectPanel';
import { NetworkPanel } from './panels/NetworkPanel';
import { RunsPanel } from './panels/RunsPanel';
import { SpecPanel } from './panels/SpecPanel';
import { isValidSpec, validateDraft } from './validation';

// recharts is the largest dependency of the page, so the Training panel loads on first use.
const TrainPanel = lazy(() => import('./panels/TrainPanel').then((module) => ({ default: module.TrainPanel })));

const TABS = ['Network', 'Data', 'Training', 'Inspect', 'Export', 'Spec', 'Runs'] as const;
type Tab = (typeof TABS)[number];

/** Badge label of each implementation of the LUT op. */
const LUT_IMPLEMENTATION_LABELS: Record<LutImplementationName, string> = {
  webgpu: 'fused WGSL LUT kernels',
  js: 'typed-array LUT kernels',
  reference: 'reference LUT op in tfjs ops',
};

function backendDetail(report: BackendReport): string {
  const label = LUT_IMPLEMENTATION_LABELS[report.lutImplementation];
  if (report.lutImplementation !== 'js') return label;
  return report.lutWebAssembly ? `${label}, WebAssembly for binary inputs` : `${label} in JavaScript`;
}

function BackendBadge() {
  const { bridge } = useServices();
  const report = useRunStore((s) => s.backend);
  const forced = useRunStore((s) => s.forcedBackend);
  const state = useRunStore((s) => s.state);
  const skipped = report?.skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
  return (
    <div className="backend">
      <span
        className="badge"
        data-testid="backend"
        data-backend={report?.active ?? ''}
        data-lut-implementation={report?.lutImplementation ?? ''}
        title={skipped ? `skipped: ${skipped}` : undefined}
      >
        {report ? `Backend: ${report.active} (${backendDetail(report)})` : 'Starting backend…'}
      </span>
      <select aria-label="force backend" value={forced ?? 'auto'} disabled={state === 'training'} onChange={(e) => bridge.init(e.target.value === 'auto' ? undefined : (e.target.value as BackendName))}>
        <option value="auto">auto</option>
        {BACKEND_ORDER.map((b) => (
          <option key={b} value={b}>
            {b}
          </option>
        ))}
      </select>
      {skipped && <span className="skipped" data-testid="backend-skipped">Skipped: {skipped}</span>}
    </div>
  );
}

function Controls({ blocked }: { blocked?: string }) {
  const { bridge, spec } = useServices();
  const state = useRunStore((s) => s.state);
  const progress = useRunStore((s) => s.progress);
  const error = useRunStore((s) => s.error);
  const current = () => spec.getState().spec;
  const running = state === 'training';
  return (
    <div className="controls">
      {running ? (
        <button type="button" onClick={() => bridge.send({ type: 'pause' })}>
          ❚❚ Pause
        </button>
      ) : (
        <button type="button" className="primary" disabled={!!blocked} title={blocked} onClick={() => bridge.play(current())}>
          ▶ Train
        </button>
      )}
      <button type="button" disabled={!!blocked || running} title={blocked} onClick={() => bridge.step(current())}>
        Step one batch
      </button>
      <button type="button" disabled={state !== 'training' && state !== 'paused'} onClick={() => bridge.send({ type: 'stop' })}>
        ■ Stop
      </button>
      <button type="button" disabled={state === 'idle' || running} onClick={() => bridge.reset()}>
        Reset
      </button>
      <span className="status" data-testid="run-state" data-state={state}>
        {state}
        {progress && ` · epoch ${progress.epoch}/${progress.epochs} · batch ${progress.batch}/${progress.batches} · loss ${progress.loss.toFixed(4)}`}
      </span>
      {blocked && (
        <span className="blocked" role="status" data-testid="train-blocked">
          Training disabled: {blocked}
        </span>
      )}
      {error && !blocked && (
        <span className="error" role="alert" data-testid="run-error">
          {error}
        </span>
      )}
    </div>
  );
}

/** Renders the playground: a header with the backend and run controls, and one tab per panel. */
export function App() {
  const { bridge, spec: specStore } = useServices();
  const spec = useSpecStore((s) => s.spec);
  const notice = useSpecStore((s) => s.notice);
  const data = useRunStore((s) => s.data);
  const [tab, setTab] = useState<Tab>('Network');
  const dataShape = data ? { featureCount: data.sampleShape.reduce((a, b) => a * b, 1), classes: data.classes } : undefined;
  const validation = useMemo(() => validateDraft(spec, dataShape), [spec, dataShape?.featureCount, dataShape?.classes]);
  const valid = isValidSpec(spec, validation);
  let blocked: string | undefined;
  if (!valid) blocked = validation.problems[0];
  else if (!data) blocked = 'the data is still loading';

  // The URL hash always carries the last valid spec.
  useEffect(() => {
    if (valid) history.replaceState(null, '', encodeSpecHash(spec));
  }, [spec, valid]);

  // Load the data whenever the dataset, split or seed of a schema-valid spec changes.
  const dataKey = JSON.stringify([spec.dataset, spec.split, spec.seed]);
  useEffect(() => {
    if (validation.problems.some((p) => p.startsWith('dataset') || p.startsWith('split') || p.startsWith('seed'))) return;
    bridge.loadData(spec);
    // Only the data-relevant fields trigger a reload.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [bridge, dataKey]);

  useEffect(() => {
    bridge.onSpecLoaded = (loaded) => specStore.getState().setSpec(loaded);
  }, [bridge, specStore]);

  return (
    <div className="app">
      <header className="top">
        <h1>DeepLUT</h1>
        <input className="name" aria-label="experiment name" value={spec.name} onChange={(e) => specStore.getState().setField('name', e.target.value)} />
        <BackendBadge />
      </header>
      {notice && (
        <p className="notice" role="alert" data-testid="url-notice">
          {notice}
          <button type="button" onClick={() => specStore.getState().setSpec(specStore.getState().spec)}>
            Dismiss
          </button>
        </p>
      )}
      <Controls blocked={blocked} />
      <nav className="tabs" role="tablist">
        {TABS.map((name) => (
          <button key={name} type="button" role="tab" aria-selected={tab === name} className={tab === name ? 'tab active' : 'tab'} onClick={() => setTab(name)}>
            {name}
          </button>
        ))}
      </nav>
      <main>
        {tab === 'Network' && <NetworkPanel validation={validation} inputWidth={dataShape?.featureCount ?? 784} />}
        {tab === 'Data' && <DataPanel validation={validation} />}
        {tab === 'Training' && (
          <Suspense fallback={<section className="panel">Loading charts…</section>}>
            <TrainPanel validation={validation} />
          </Suspense>
        )}
        {tab === 'Inspect' && <InspectPanel />}
        {tab === 'Export' && <ExportPanel />}
        {tab === 'Spec' && <SpecPanel validation={validation} />}
        {tab === 'Runs' && <RunsPanel />}
      </main>
    </div>
  );
}
