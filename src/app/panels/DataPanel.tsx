import { useEffect, useRef, useState } from 'react';
import type { DatasetSpec, Spec } from '../../core/spec/schema';
import type { DataSummary, UploadedFile } from '../../worker/protocol';
import { useRunStore, useServices, useSpecStore } from '../context';
import { formatCount } from '../format';
import type { Validation } from '../validation';

/** One sample drawn on a canvas: an image for 2-D samples, a row of cells for 1-D ones. */
function SampleCanvas({ summary, index }: { summary: DataSummary; index: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [height, width] = summary.sampleShape.length >= 2 ? [summary.sampleShape[0], summary.sampleShape.slice(1).reduce((a, b) => a * b, 1)] : [1, summary.sampleShape[0]];
  const size = height * width;
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return;
    const image = context.createImageData(width, height);
    for (let i = 0; i < size; i++) {
      const value = 255 - summary.previewFeatures[index * size + i];
      image.data.set([value, value, value, 255], i * 4);
    }
    context.putImageData(image, 0, 0);
  }, [summary, index, width, height, size]);
  const scale = Math.max(1, Math.floor(Math.min(56 / height, 120 / width)));
  return (
    <figure className="sample">
      <canvas ref={canvas} width={width} height={height} style={{ width: width * scale, height: height * scale }} />
      <figcaption>label {summary.previewLabels[index]}</figcaption>
    </figure>
  );
}

async function readFiles(list: FileList | File[]): Promise<UploadedFile[]> {
  return Promise.all([...list].map(async (file) => ({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) })));
}

/**
 * The dataset a set of dropped files describes: a CSV file, or IDX files where names with
 * "label" are labels and names with "test" or "t10k" belong to the test pair.
 */
export function datasetForFiles(names: string[], labelColumn: string): DatasetSpec | string {
  const csv = names.find((n) => /\.csv$/i.test(n));
  if (csv) {
    const column = labelColumn.trim() === '' ? undefined : /^\d+$/.test(labelColumn.trim()) ? Number(labelColumn) : labelColumn.trim();
    return { source: 'csv', path: csv, ...(column === undefined ? {} : { labelColumn: column }) };
  }
  const isLabels = (n: string) => /label/i.test(n);
  const isTest = (n: string) => /test|t10k/i.test(n);
  const pick = (test: boolean, labels: boolean) => names.find((n) => isTest(n) === test && isLabels(n) === labels);
  const trainImages = pick(false, false) ?? names.find((n) => !isLabels(n));
  const trainLabels = pick(false, true) ?? names.find((n) => isLabels(n));
  if (!trainImages || !trainLabels) return 'drop an IDX images file and its labels file (a name containing "label"), or one CSV file';
  const testImages = pick(true, false);
  const testLabels = pick(true, true);
  if (testImages && testLabels && testImages !== trainImages) return { source: 'idx', trainImages, trainLabels, testImages, testLabels };
  return { source: 'idx', trainImages, trainLabels };
}

/** Dataset choice, split sizes, file drop and the strip of loaded samples. */
export function DataPanel({ validation }: { validation: Validation }) {
  const { bridge, spec: specStore } = useServices();
  const spec = useSpecStore((s) => s.spec);
  const summary = useRunStore((s) => s.data);
  const dataError = useRunStore((s) => s.dataError);
  const loading = useRunStore((s) => s.pending.data);
  const [labelColumn, setLabelColumn] = useState('');
  const [dropMessage, setDropMessage] = useState<string>();
  const [dragging, setDragging] = useState(false);
  const setField = specStore.getState().setField;
  const dataset = spec.dataset;

  const setDataset = (next: DatasetSpec) => setField('dataset', next);

  const upload = async (list: FileList | File[]) => {
    const files = await readFiles(list);
    const next = datasetForFiles(files.map((f) => f.name), labelColumn);
    if (typeof next === 'string') {
      setDropMessage(next);
      return;
    }
    setDropMessage(undefined);
    const candidate: Spec = { ...specStore.getState().spec, dataset: next };
    bridge.loadData(candidate, files, () => specStore.getState().setField('dataset', next));
  };

  return (
    <section className="panel" aria-label="Data">
      <div className="row">
        <fieldset>
          <legend>Source</legend>
          <label>
            <input type="radio" name="source" checked={dataset.source === 'mnist-embedded'} onChange={() => setDataset({ source: 'mnist-embedded' })} /> Embedded MNIST subset (10,000 digits)
          </label>
          <label>
            <input type="radio" name="source" checked={dataset.source === 'synthetic'} onChange={() => setDataset({ source: 'synthetic', task: 'parity', bits: 8 })} /> Synthetic boolean task
          </label>
          <label>
            <input type="radio" name="source" disabled checked={dataset.source === 'idx' || dataset.source === 'csv'} readOnly /> My files (drop below)
          </label>
        </fieldset>
        {dataset.source === 'synthetic' && (
          <fieldset>
            <legend>Synthetic task</legend>
            <label className="field">
              <span>task</span>
              <select aria-label="synthetic task" value={dataset.task} onChange={(e) => setDataset({ ...dataset, task: e.target.value as typeof dataset.task })}>
                <option value="parity">n-bit parity</option>
                <option value="majority">majority</option>
                <option value="random">random boolean function</option>
              </select>
            </label>
            <label className={validation.byPath['dataset.bits'] ? 'field invalid' : 'field'}>
              <span>bits</span>
              <input type="number" aria-label="synthetic bits" value={Number.isNaN(dataset.bits) ? '' : dataset.bits} onChange={(e) => setDataset({ ...dataset, bits: Number(e.target.value) })} />
              {validation.byPath['dataset.bits'] && <em className="field-error">{validation.byPath['dataset.bits']}</em>}
            </label>
            <p className="hint">Samples are drawn from the experiment seed ({String(spec.seed)}).</p>
          </fieldset>
        )}
        <fieldset>
          <legend>Split and encoder</legend>
          {(['train', 'test'] as const).map((part) => (
            <label key={part} className={validation.byPath[`split.${part}`] ? 'field invalid' : 'field'}>
              <span>{part} samples</span>
              <input type="number" aria-label={`${part} samples`} value={Number.isNaN(spec.split[part]) ? '' : spec.split[part]} onChange={(e) => setField('split', { ...spec.split, [part]: Number(e.target.value) })} />
              {validation.byPath[`split.${part}`] && <em className="field-error">{validation.byPath[`split.${part}`]}</em>}
            </label>
          ))}
          <label className="field">
            <span>sign threshold</span>
            <input type="number" aria-label="sign threshold" value={spec.encoder.threshold} onChange={(e) => setField('encoder', { ...spec.encoder, threshold: Number(e.target.value) })} />
          </label>
        </fieldset>
      </div>

      <div
        className={dragging ? 'dropzone dragging' : 'dropzone'}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          void upload(e.dataTransfer.files);
        }}
      >
        <p>Drop an IDX image/label pair (raw or .gz; add a test pair named "test" or "t10k") or a CSV file here, or</p>
        <input type="file" multiple aria-label="choose data files" onChange={(e) => e.target.files && void upload(e.target.files)} />
        <label className="field">
          <span>CSV label column (index or header; empty: last)</span>
          <input type="text" aria-label="CSV label column" value={labelColumn} onChange={(e) => setLabelColumn(e.target.value)} />
        </label>
      </div>
      {(dropMessage || dataError) && (
        <p className="error" role="alert" data-testid="data-error">
          {dropMessage ?? dataError} {summary && `The previous dataset stays loaded: ${summary.name}.`}
        </p>
      )}
      {loading && <p className="hint">Loading data…</p>}
      {summary && (
        <div data-testid="data-summary">
          <p className="summary">
            {summary.name}: {formatCount(summary.trainCount)} train / {formatCount(summary.testCount)} test samples of shape {summary.sampleShape.join('×')}, {summary.classes} classes
          </p>
          <div className="sample-strip">
            {Array.from(summary.previewLabels, (_, i) => (
              <SampleCanvas key={i} summary={summary} index={i} />
            ))}
          </div>
        </div>
      )}
    </section>
  );
}
