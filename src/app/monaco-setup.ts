/**
 * Monaco, bundled by Vite and loaded on demand, with its workers built as Vite worker chunks.
 * It loads editor.main, which registers every editor contribution (the JSON language features
 * need their services), then Verilog highlighting and the JSON language service. Import this
 * module only through `import()`, so that Monaco stays out of the first page load.
 */
import 'monaco-editor/editor/editor.main';
import * as monaco from 'monaco-editor/editor/editor.api';
import 'monaco-editor/languages/definitions/systemverilog/register';
import { jsonDefaults } from 'monaco-editor/languages/features/json/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import JsonWorker from 'monaco-editor/languages/features/json/json.worker?worker';
import { z } from 'zod';
import { specSchema } from '../core/spec/schema';

(self as unknown as { MonacoEnvironment: { getWorker(id: string, label: string): Worker } }).MonacoEnvironment = {
  getWorker: (_id, label) => (label === 'json' ? new JsonWorker() : new EditorWorker()),
};

/** URI of the spec editor's model; the JSON schema applies to it. */
export const SPEC_MODEL_URI = 'inmemory://deeplut/spec.json';

jsonDefaults.setDiagnosticsOptions({
  validate: true,
  enableSchemaRequest: false,
  schemas: [{ uri: 'inmemory://deeplut/spec.schema.json', fileMatch: [SPEC_MODEL_URI], schema: z.toJSONSchema(specSchema, { io: 'input', unrepresentable: 'any' }) }],
});

export { monaco };
