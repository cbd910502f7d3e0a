import { useEffect, useRef, useState } from 'react';
import { useRunStore, useServices } from '../context';
import { downloadFile, formatPercent } from '../format';
import { MonacoEditor } from '../MonacoEditor';

/** The Verilog bundle in a read-only editor, its zip, and model.json download and upload. */
export function ExportPanel() {
  const { bridge, spec } = useServices();
  const exported = useRunStore((s) => s.exported);
  const savedModel = useRunStore((s) => s.savedModel);
  const pending = useRunStore((s) => s.pending);
  const state = useRunStore((s) => s.state);
  const error = useRunStore((s) => s.error);
  const [file, setFile] = useState('deeplut_top.v');
  const downloadRequested = useRef(false);
  const name = spec.getState().spec.name;

  useEffect(() => {
    if (state !== 'idle' && state !== 'training') bridge.request('export');
  }, [bridge, state]);

  useEffect(() => {
    if (savedModel && downloadRequested.current) {
      downloadRequested.current = false;
      downloadFile(`${savedModel.spec.name}-model.json`, savedModel.json, 'application/json');
    }
  }, [savedModel]);

  const verilogFiles = exported?.files.filter(([n]) => n.endsWith('.v')) ?? [];
  const shown = verilogFiles.find(([n]) => n === file) ?? verilogFiles[0];

  const upload = async (list: FileList | null) => {
    const chosen = list?.[0];
    if (!chosen) return;
    bridge.runId = undefined;
    bridge.loadModel(await chosen.text());
  };

  return (
    <section className="panel" aria-label="Export">
      <div className="row">
        <button type="button" disabled={state === 'idle' || pending.export} onClick={() => bridge.request('export')}>
          {pending.export ? 'Exporting…' : 'Generate Verilog'}
        </button>
        <button type="button" disabled={!exported} onClick={() => exported && downloadFile(`${name}-verilog.zip`, exported.zip, 'application/zip')}>
          Download bundle (.zip)
        </button>
        <button
          type="button"
          disabled={state === 'idle'}
          onClick={() => {
            downloadRequested.current = true;
            bridge.request('model');
          }}
        >
          Download model.json
        </button>
        <label className="upload">
          Upload model.json <input type="file" accept=".json,application/json" aria-label="upload model.json" onChange={(e) => void upload(e.target.files)} />
        </label>
      </div>
      {state === 'idle' && <p className="summary">Train a model or upload a model.json; its Verilog appears here.</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {exported && (
        <>
          <p className="summary" data-testid="export-summary">
            The netlist matches the binary model on every test sample (test accuracy {formatPercent(exported.testAccuracy)}). The zip holds the same bundle as the command line writes: modules, testbench, test vectors, synth.ys, netlist.json and a README.
          </p>
          <div className="row">
            {verilogFiles.map(([n]) => (
              <button key={n} type="button" className={shown?.[0] === n ? 'tab active' : 'tab'} onClick={() => setFile(n)}>
                {n}
              </button>
            ))}
          </div>
          {shown && <MonacoEditor value={shown[1]} language="verilog" readOnly label={`Verilog ${shown[0]}`} />}
        </>
      )}
    </section>
  );
}
