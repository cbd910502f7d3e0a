import { useEffect, useRef, useState } from 'react';
import type * as Monaco from 'monaco-editor/editor/editor.api';

interface MonacoEditorProps {
  value: string;
  language: 'json' | 'verilog';
  readOnly?: boolean;
  /** Model URI; the spec editor's URI selects the spec's JSON schema. */
  uri?: string;
  onChange?: (value: string) => void;
  label: string;
}

/** A Monaco editor loaded on first use; shows a placeholder until Monaco's chunk arrives. */
export function MonacoEditor({ value, language, readOnly = false, uri, onChange, label }: MonacoEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<Monaco.editor.IStandaloneCodeEditor | null>(null);
  const changeHandler = useRef(onChange);
  const [loadError, setLoadError] = useState<string>();
  const [ready, setReady] = useState(false);
  changeHandler.current = onChange;

  useEffect(() => {
    let disposed = false;
    let created: Monaco.editor.IStandaloneCodeEditor | undefined;
    let model: Monaco.editor.ITextModel | undefined;
    import('./monaco-setup').then(
      ({ monaco }) => {
        if (disposed || !host.current) return;
        const modelUri = uri ? monaco.Uri.parse(uri) : undefined;
        monaco.editor.getModel(modelUri ?? monaco.Uri.parse('inmemory://none'))?.dispose();
        model = monaco.editor.createModel(value, language, modelUri);
        created = monaco.editor.create(host.current, { model, readOnly, automaticLayout: true, minimap: { enabled: false }, fontSize: 13, scrollBeyondLastLine: false, ariaLabel: label });
        created.onDidChangeModelContent(() => changeHandler.current?.(created!.getValue()));
        editor.current = created;
        setReady(true);
      },
      (error: unknown) => setLoadError(`the editor failed to load: ${String(error)}`),
    );
    return () => {
      disposed = true;
      created?.dispose();
      model?.dispose();
      editor.current = null;
    };
    // The editor is created once per language and URI; value updates go through the effect below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [language, uri, readOnly]);

  useEffect(() => {
    const current = editor.current;
    // While the user types, `value` lags the editor's text by a render; writing it back would
    // undo keystrokes, so outside changes apply only while the editor is not focused.
    if (current && !current.hasTextFocus() && current.getValue() !== value) current.setValue(value);
  }, [value]);

  if (loadError) return <p className="error">{loadError}</p>;
  return (
    <div className="monaco-frame">
      {!ready && <span className="placeholder">Loading editor…</span>}
      <div className="monaco-host" ref={host} data-language={language} data-ready={ready} aria-label={label} />
    </div>
  );
}
