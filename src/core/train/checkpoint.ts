import { CheckpointError, DeepLutError } from '../errors';
import type { LayerState, StoredArray } from '../layers/layer';
import type { Spec } from '../spec/schema';
import { parseSpec } from '../spec/validate';
import { buildModel, type Model } from './model';

/**
 * model.json: the spec and every layer's trained state, enough to rebuild the model in the
 * command line or the playground and continue training or export it. Arrays are stored as
 * base64 of their little-endian bytes.
 */
export const CHECKPOINT_FORMAT = 'deeplut-model';
export const CHECKPOINT_VERSION = 1;

interface StoredArrayJson {
  shape: number[];
  dtype: 'float32' | 'int32';
  base64: string;
}

interface LayerJson {
  name: string;
  type: string;
  arrays: Record<string, StoredArrayJson>;
  settings?: LayerState['settings'];
}

export interface CheckpointJson {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  spec: Spec;
  inputShape: number[];
  classes: number;
  layers: LayerJson[];
  /** Free-form results recorded with the model, such as accuracies. */
  metrics?: Record<string, unknown>;
}

function bytesToBase64(bytes: Uint8Array): string {
  let text = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) text += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(text);
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function encodeArray(array: StoredArray): StoredArrayJson {
  const data = array.data;
  return { shape: array.shape, dtype: array.dtype, base64: bytesToBase64(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) };
}

function decodeArray(json: StoredArrayJson, where: string): StoredArray {
  if (!json || !Array.isArray(json.shape) || typeof json.base64 !== 'string' || (json.dtype !== 'float32' && json.dtype !== 'int32')) {
    throw new CheckpointError(`${where}: expected {shape, dtype: "float32" | "int32", base64}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(json.base64);
  } catch {
    throw new CheckpointError(`${where}: the base64 data is corrupt`);
  }
  const count = json.shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== count * 4) {
    throw new CheckpointError(`${where}: shape [${json.shape.join(', ')}] needs ${count * 4} bytes, the data has ${bytes.length}`);
  }
  const buffer = bytes.slice().buffer;
  const data = json.dtype === 'float32' ? new Float32Array(buffer) : new Int32Array(buffer);
  if (json.dtype === 'float32') {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new CheckpointError(`${where}: value ${data[i]} at index ${i} is not finite; the model diverged or the file is corrupt`);
    }
  }
  return { shape: json.shape, dtype: json.dtype, data };
}

/**
 * Serializes a model, with optional metrics, to the model.json object. Every layer's arrays are
 * read asynchronously and together, so the webgpu backend needs no synchronous read.
 */
export async function saveCheckpoint(model: Model, inputShape: number[], metrics?: Record<string, unknown>): Promise<CheckpointJson> {
  const states = await Promise.all(model.layers.map((layer) => layer.saveState()));
  return {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    spec: model.spec,
    inputShape,
    classes: model.classes,
    layers: model.layers.map((layer, i) => {
      const arrays: Record<string, StoredArrayJson> = {};
      for (const [key, array] of Object.entries(states[i].arrays)) arrays[key] = encodeArray(array);
      return { name: layer.name, type: layer.type, arrays, settings: states[i].settings };
    }),
    metrics,
  };
}

/** Rebuilds a model from a model.json object; every problem is a CheckpointError naming the part. */
export function loadCheckpoint(json: unknown, source = 'model.json'): { model: Model; inputShape: number[]; metrics?: Record<string, unknown> } {
  const file = json as Partial<CheckpointJson> | null;
  if (!file || typeof file !== 'object' || file.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`${source} is not a DeepLUT model: expected "format": "${CHECKPOINT_FORMAT}"`);
  }
  if (file.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(`${source} has version ${JSON.stringify(file.version)}; this DeepLUT reads version ${CHECKPOINT_VERSION}`);
  }
  if (!Array.isArray(file.inputShape) || !file.inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new CheckpointError(`${source}: inputShape must be a list of positive integers`);
  }
  if (!Number.isInteger(file.classes) || (file.classes as number) < 2) throw new CheckpointError(`${source}: classes must be an integer of at least 2`);
  if (!Array.isArray(file.layers)) throw new CheckpointError(`${source}: layers must be a list`);

  let spec: Spec;
  try {
    spec = parseSpec(file.spec);
  } catch (error) {
    throw new CheckpointError(`${source}: ${(error as DeepLutError).message}`);
  }
  const inputWidth = file.inputShape.reduce((a, b) => a * b, 1);
  const model = buildModel(spec, inputWidth, file.classes as number);
  try {
    if (file.layers.length !== model.layers.length) {
      throw new CheckpointError(`${source}: has ${file.layers.length} layers but its spec builds ${model.layers.length}`);
    }
    model.layers.forEach((layer, i) => {
      const stored = file.layers![i];
      if (!stored || stored.type !== layer.type) throw new CheckpointError(`${source}: layers[${i}] is ${stored?.type}, but the spec has ${layer.type}`);
      const arrays: Record<string, StoredArray> = {};
      for (const [key, array] of Object.entries(stored.arrays ?? {})) arrays[key] = decodeArray(array, `${source}: ${layer.name}.${key}`);
      try {
        layer.loadState({ arrays, settings: stored.settings });
      } catch (error) {
        if (error instanceof CheckpointError) throw new CheckpointError(`${source}: ${error.message}`);
        throw new CheckpointError(`${source}: ${layer.name}: ${(error as Error).message}`);
      }
    });
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, inputShape: file.inputShape, metrics: file.metrics };
}
