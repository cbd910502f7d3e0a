import { useEffect, useState } from 'react';
import { specSchema } from '../../core/spec/schema';
import { useServices, useSpecStore } from '../context';
import { MonacoEditor } from '../MonacoEditor';
import type { Validation } from '../validation';

const SPEC_MODEL_URI = 'inmemory://deeplut/spec.json';

/** The spec as JSON, checked against the zod schema, in sync with the visual builder. */
export function SpecPanel({ validation }: { validation: Validation }) {
  const { spec: specStore } = useServices();
  const spec = useSpecStore((s) => s.spec);
  const [text, setText] = useState(() => JSON.stringify(spec, null, 2));
  const [parseProblem, setParseProblem] = useState<string>();

  // A change made in the builder replaces the text, unless the text already describes that spec.
  useEffect(() => {
    setText((current) => {
      try {
        if (JSON.stringify(specSchema.parse(JSON.parse(current))) === JSON.stringify(spec)) return current;
      } catch {
        // The text does not parse; the builder's spec replaces it.
      }
      return JSON.stringify(spec, null, 2);
    });
  }, [spec]);

  const edit = (value: string) => {
    setText(value);
    let input: unknown;
    try {
      input = JSON.parse(value);
    } catch (error) {
      setParseProblem(`not valid JSON: ${(error as Error).message}`);
      return;
    }
    const parsed = specSchema.safeParse(input);
    if (!parsed.success) {
      setParseProblem(parsed.error.issues.map((i) => `${i.path.join('.') || '(spec)'}: ${i.message}`).join('; '));
      return;
    }
    setParseProblem(undefined);
    specStore.getState().setSpec(parsed.data);
  };

  return (
    <section className="panel" aria-label="Spec">
      <p className="summary">The experiment as JSON. Edits here update the builder, and the builder updates this text. The URL always carries the last valid spec.</p>
      <MonacoEditor value={text} language="json" uri={SPEC_MODEL_URI} onChange={edit} label="spec JSON" />
      {parseProblem && <p className="error" role="alert" data-testid="spec-json-error">The builder keeps the last valid spec: {parseProblem}</p>}
      {!parseProblem && validation.problems.length > 0 && (
        <ul className="error" data-testid="spec-problems">
          {validation.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
