/**
 * The spec in a URL hash: `#v1.<payload>`, where the payload is the spec's JSON compressed by
 * lz-string's URI-safe encoding. Decoding never evaluates anything: the text is parsed as JSON,
 * out-of-range numbers are clamped to the schema's limits, and the result is validated by the
 * same zod schema as every other spec.
 */
import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from 'lz-string';
import { DeepLutError, SpecError } from '../errors';
import { specSchema, type Spec } from './schema';
import { formatPath, parseSpec } from './validate';

/** Version of the hash format; a hash with a higher version was written by a newer DeepLUT. */
export const URL_FORMAT_VERSION = 1;

/** Maximum hash length accepted, in characters: a spec of a few dozen layers compresses to well under this. */
export const MAX_HASH_LENGTH = 16_384;

/** Longest decompressed JSON accepted, in characters. */
const MAX_JSON_LENGTH = 262_144;

/** A hash that cannot become a spec; the message says why, in words a user can act on. */
export class UrlSpecError extends DeepLutError {}

/** The decoded spec, with a note per value that was clamped into range. */
export interface DecodedSpec {
  spec: Spec;
  clamped: string[];
}

/** Encodes a spec as a URL hash, including the leading `#`. */
export function encodeSpecHash(spec: Spec): string {
  return `#v${URL_FORMAT_VERSION}.${compressToEncodedURIComponent(JSON.stringify(spec))}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): { parent: Record<PropertyKey, unknown>; key: PropertyKey } | undefined {
  if (path.length === 0) return undefined;
  let node = root as Record<PropertyKey, unknown>;
  for (const key of path.slice(0, -1)) {
    const next = node?.[key];
    if (typeof next !== 'object' || next === null) return undefined;
    node = next as Record<PropertyKey, unknown>;
  }
  return { parent: node, key: path[path.length - 1] };
}

/**
 * Clamps each number that the schema rejects as too small or too large to the nearest allowed
 * value, in place, and rounds fractional values where an integer is required. Returns one note
 * per change, e.g. `layers[1].k: 12 -> 8`.
 */
export function clampSpecInput(input: unknown): string[] {
  const notes: string[] = [];
  for (let round = 0; round < 8; round++) {
    const result = specSchema.safeParse(input);
    if (result.success) break;
    let changed = false;
    for (const issue of result.error.issues) {
      const target = valueAt(input, issue.path);
      if (!target) continue;
      const value = target.parent[target.key];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      let fixed: number | undefined;
      if (issue.code === 'too_big') fixed = Number(issue.maximum);
      else if (issue.code === 'too_small') fixed = Number(issue.minimum) + (issue.inclusive === false ? Number.EPSILON : 0);
      else if (issue.code === 'invalid_type' && issue.expected === 'int') fixed = Math.round(value);
      if (fixed === undefined || !Number.isFinite(fixed) || fixed === value) continue;
      target.parent[target.key] = fixed;
      notes.push(`${formatPath(issue.path)}: ${value} -> ${fixed}`);
      changed = true;
    }
    if (!changed) break;
  }
  return notes;
}

/**
 * Decodes a URL hash written by `encodeSpecHash`. Raises a UrlSpecError when the hash is too
 * long, from a newer or unknown format, corrupt or truncated, or not a valid spec after
 * clamping.
 */
export function decodeSpecHash(hash: string): DecodedSpec {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (text.length > MAX_HASH_LENGTH) {
    throw new UrlSpecError(`the link's spec is ${text.length} characters long, over the limit of ${MAX_HASH_LENGTH}; share the spec as a file instead`);
  }

  // Version prefix.
  const match = /^v(\d{1,6})\.(.*)$/s.exec(text);
  if (!match) throw new UrlSpecError('the link does not contain a DeepLUT spec (expected "#v1." followed by the spec)');
  const version = Number(match[1]);
  if (version > URL_FORMAT_VERSION) {
    throw new UrlSpecError(`the link was made by a newer DeepLUT (link format v${version}, this page reads up to v${URL_FORMAT_VERSION}); update the playground`);
  }
  if (version < 1) throw new UrlSpecError(`the link has an unknown format version v${version}`);

  // Payload.
  let json: string | null = null;
  try {
    json = decompressFromEncodedURIComponent(match[2]);
  } catch {
    json = null;
  }
  if (!json) throw new UrlSpecError('the link is broken or truncated: its spec cannot be decompressed; copy the whole link again');
  if (json.length > MAX_JSON_LENGTH) throw new UrlSpecError(`the link's spec expands to ${json.length} characters, over the limit of ${MAX_JSON_LENGTH}`);
  let input: unknown;
  try {
    input = JSON.parse(json);
  } catch {
    throw new UrlSpecError('the link is broken or truncated: its spec is not valid JSON; copy the whole link again');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new UrlSpecError('the link\'s spec is not a JSON object');

  // Schema.
  const clamped = clampSpecInput(input);
  try {
    return { spec: parseSpec(input), clamped };
  } catch (error) {
    if (error instanceof SpecError) throw new UrlSpecError(`the link's spec is invalid: ${error.issues.join('; ')}`);
    throw error;
  }
}
