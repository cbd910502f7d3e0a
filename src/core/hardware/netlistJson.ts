/**
 * JSON form of a netlist (`netlist.json`). Table inputs are base64 of little-endian int32
 * values. Truth tables are base64 of their entries packed 8 per byte, entry 0 in bit 0 of
 * byte 0. Thresholds and directions stay plain arrays.
 */
import { z } from 'zod';
import { ExportError } from '../errors';
import type { Netlist, NetlistLayer } from './netlist';
import { MAX_TABLE_INPUTS, validateNetlist } from './validate';

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Encodes bytes as standard base64 with padding. */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i];
    const b = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2] : 0;
    const triple = (a << 16) | (b << 8) | c;
    parts.push(
      BASE64_ALPHABET[(triple >> 18) & 63] +
        BASE64_ALPHABET[(triple >> 12) & 63] +
        (i + 1 < bytes.length ? BASE64_ALPHABET[(triple >> 6) & 63] : '=') +
        (i + 2 < bytes.length ? BASE64_ALPHABET[triple & 63] : '='),
    );
  }
  return parts.join('');
}

/** Decodes standard base64 with padding; throws ExportError on any other character or length. */
export function base64ToBytes(text: string, field: string): Uint8Array {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new ExportError(`invalid netlist JSON: ${field} is not base64 (length ${text.length})`);
  }
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = new Uint8Array((text.length / 4) * 3 - padding);
  let out = 0;
  for (let i = 0; i < text.length; i += 4) {
    let triple = 0;
    for (let j = 0; j < 4; j++) {
      const char = text[i + j];
      triple = (triple << 6) | (char === '=' ? 0 : BASE64_ALPHABET.indexOf(char));
    }
    for (let j = 2; j >= 0 && out < bytes.length; j--) bytes[out++] = (triple >> (8 * j)) & 0xff;
  }
  return bytes;
}

function packTruthTables(entries: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(entries.length / 8));
  for (let i = 0; i < entries.length; i++) {
    if (entries[i]) bytes[i >> 3] |= 1 << (i & 7);
  }
  return bytes;
}

function unpackTruthTables(bytes: Uint8Array, count: number, field: string): Uint8Array {
  if (bytes.length !== Math.ceil(count / 8)) {
    throw new ExportError(`invalid netlist JSON: ${field} has ${bytes.length} bytes, expected ${Math.ceil(count / 8)} for ${count} entries`);
  }
  const entries = new Uint8Array(count);
  for (let i = 0; i < count; i++) entries[i] = (bytes[i >> 3] >> (i & 7)) & 1;
  return entries;
}

function int32ToBytes(values: Int32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setInt32(4 * i, value, true));
  return bytes;
}

function bytesToInt32(bytes: Uint8Array, field: string): Int32Array {
  if (bytes.length % 4 !== 0) {
    throw new ExportError(`invalid netlist JSON: ${field} has ${bytes.length} bytes, not a whole number of int32 values`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Int32Array(bytes.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getInt32(4 * i, true);
  return values;
}

const count = z.number().int().positive();

const layerSchema = z.object({
  name: z.string(),
  inputWidth: count,
  k: count,
  neurons: count,
  tablesPerNeuron: count,
  inputs: z.string(),
  truthTables: z.string(),
  activation: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('threshold'), thresholds: z.array(z.number().int()), directions: z.array(z.union([z.literal(1), z.literal(-1)])) }),
    z.object({ kind: z.literal('score') }),
  ]),
});

const netlistSchema = z.object({
  format: z.literal('deeplut-netlist'),
  version: z.literal(1),
  encoder: z.object({ kind: z.literal('sign'), threshold: z.number(), inputShape: z.array(count) }),
  inputBits: count,
  classes: count,
  layers: z.array(layerSchema).min(1),
});

/** Serialises a netlist to the `netlist.json` text. */
export function netlistToJson(netlist: Netlist): string {
  const layers = netlist.layers.map((layer) => ({
    name: layer.name,
    inputWidth: layer.inputWidth,
    k: layer.k,
    neurons: layer.neurons,
    tablesPerNeuron: layer.tablesPerNeuron,
    inputs: bytesToBase64(int32ToBytes(layer.inputs)),
    truthTables: bytesToBase64(packTruthTables(layer.truthTables)),
    activation:
      layer.activation.kind === 'threshold'
        ? { kind: 'threshold', thresholds: Array.from(layer.activation.thresholds), directions: Array.from(layer.activation.directions) }
        : { kind: 'score' },
  }));
  const json = {
    format: netlist.format,
    version: netlist.version,
    encoder: netlist.encoder,
    inputBits: netlist.inputBits,
    classes: netlist.classes,
    layers,
  };
  return JSON.stringify(json, null, 1);
}

/** Parses and validates `netlist.json` text; throws ExportError naming the first problem. */
export function netlistFromJson(text: string): Netlist {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ExportError(`invalid netlist JSON: ${(error as Error).message}`);
  }
  const parsed = netlistSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ExportError(`invalid netlist JSON: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const data = parsed.data;

  const layers: NetlistLayer[] = data.layers.map((layer, index) => {
    const where = `layers[${index}]`;
    if (layer.k > MAX_TABLE_INPUTS) {
      throw new ExportError(`invalid netlist JSON: ${where}.k is ${layer.k}; at most ${MAX_TABLE_INPUTS} table inputs are supported`);
    }
    const tables = layer.neurons * layer.tablesPerNeuron;
    const activation =
      layer.activation.kind === 'threshold'
        ? {
            kind: 'threshold' as const,
            thresholds: Int32Array.from(layer.activation.thresholds),
            directions: Int8Array.from(layer.activation.directions),
          }
        : { kind: 'score' as const };
    return {
      name: layer.name,
      inputWidth: layer.inputWidth,
      k: layer.k,
      neurons: layer.neurons,
      tablesPerNeuron: layer.tablesPerNeuron,
      inputs: bytesToInt32(base64ToBytes(layer.inputs, `${where}.inputs`), `${where}.inputs`),
      truthTables: unpackTruthTables(base64ToBytes(layer.truthTables, `${where}.truthTables`), tables * 2 ** layer.k, `${where}.truthTables`),
      activation,
    };
  });

  const netlist: Netlist = {
    format: 'deeplut-netlist',
    version: 1,
    encoder: data.encoder,
    inputBits: data.inputBits,
    classes: data.classes,
    layers,
  };
  validateNetlist(netlist);
  return netlist;
}
