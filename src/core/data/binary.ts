/**
 * A compact binary encoding of a Dataset, for serving datasets to the browser.
 *
 * Layout, all integers little-endian uint32:
 *   magic "DLDS" (44 4c 44 53), version (1), count, classes, rank, `rank` sample dimensions,
 *   then count * featureCount feature bytes, then count label bytes.
 * The dataset name is not stored; the decoder's caller supplies it.
 */
import { DataError } from '../errors';
import type { Dataset } from './dataset';

const MAGIC = [0x44, 0x4c, 0x44, 0x53];
const VERSION = 1;
/** Magic, version, count, classes and rank. */
const FIXED_HEADER_SIZE = 20;
/** Largest sample rank the decoder accepts; real datasets use 1-3. */
const MAX_RANK = 8;

/** Encodes `dataset` in the binary layout described at the top of this file. */
export function encodeDatasetBinary(dataset: Dataset): Uint8Array {
  const rank = dataset.sampleShape.length;
  const headerSize = FIXED_HEADER_SIZE + 4 * rank;
  const featureBytes = dataset.count * dataset.featureCount;
  const bytes = new Uint8Array(headerSize + featureBytes + dataset.count);
  const view = new DataView(bytes.buffer);

  bytes.set(MAGIC, 0);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, dataset.count, true);
  view.setUint32(12, dataset.classes, true);
  view.setUint32(16, rank, true);
  dataset.sampleShape.forEach((size, d) => view.setUint32(FIXED_HEADER_SIZE + 4 * d, size, true));

  bytes.set(dataset.features.subarray(0, featureBytes), headerSize);
  bytes.set(dataset.labels.subarray(0, dataset.count), headerSize + featureBytes);
  return bytes;
}

/**
 * Decodes bytes written by `encodeDatasetBinary` into a Dataset named `name`. Raises a
 * DataError naming `name` when the magic number or version is wrong, a header field is out of
 * range, the byte count differs from the one the header declares, or a label is out of range.
 */
export function decodeDatasetBinary(bytes: Uint8Array, name: string): Dataset {
  // Fixed header.
  if (bytes.length < FIXED_HEADER_SIZE) {
    throw new DataError(
      `${name}: truncated dataset binary: ${bytes.length} bytes, shorter than the ${FIXED_HEADER_SIZE}-byte header; ` +
        `rebuild or download the file again`,
    );
  }
  if (MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DataError(
      `${name}: not a DeepLUT dataset binary: magic number is ${hexBytes(bytes.subarray(0, 4))}, expected 44 4c 44 53 ("DLDS")`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== VERSION) {
    throw new DataError(
      `${name}: unsupported dataset binary version ${version}, expected ${VERSION}; rebuild the file with this DeepLUT version`,
    );
  }
  const count = view.getUint32(8, true);
  const classes = view.getUint32(12, true);
  const rank = view.getUint32(16, true);
  if (count === 0) {
    throw new DataError(`${name}: dataset binary contains 0 samples; rebuild it from a non-empty dataset`);
  }
  if (classes < 1 || classes > 256) {
    throw new DataError(`${name}: invalid class count ${classes} in the dataset binary header, expected 1-256`);
  }
  if (rank < 1 || rank > MAX_RANK) {
    throw new DataError(`${name}: invalid sample rank ${rank} in the dataset binary header, expected 1-${MAX_RANK}`);
  }

  // Sample shape.
  const headerSize = FIXED_HEADER_SIZE + 4 * rank;
  if (bytes.length < headerSize) {
    throw new DataError(
      `${name}: truncated dataset binary: the header of rank ${rank} needs ${headerSize} bytes but the file is ` +
        `${bytes.length} bytes; rebuild or download the file again`,
    );
  }
  const sampleShape: number[] = [];
  for (let d = 0; d < rank; d++) sampleShape.push(view.getUint32(FIXED_HEADER_SIZE + 4 * d, true));
  const featureCount = sampleShape.reduce((product, size) => product * size, 1);
  if (featureCount === 0) {
    throw new DataError(`${name}: sample shape ${sampleShape.join('x')} in the dataset binary header contains 0 features`);
  }

  // Features and labels.
  const featureBytes = count * featureCount;
  const expectedSize = headerSize + featureBytes + count;
  if (bytes.length !== expectedSize) {
    const problem = bytes.length < expectedSize ? 'truncated dataset binary' : 'trailing bytes after the dataset binary';
    throw new DataError(
      `${name}: ${problem}: the header declares ${count} samples of shape ${sampleShape.join('x')}, so the file ` +
        `should be ${expectedSize} bytes, but it is ${bytes.length} bytes; rebuild or download the file again`,
    );
  }
  const features = bytes.slice(headerSize, headerSize + featureBytes);
  const labels = bytes.slice(headerSize + featureBytes, expectedSize);
  for (let s = 0; s < count; s++) {
    if (labels[s] >= classes) {
      throw new DataError(
        `${name}: label of sample ${s} is ${labels[s]}, outside 0..${classes - 1} for ${classes} classes; ` +
          `the file is corrupt, so rebuild or download it again`,
      );
    }
  }

  return { name, sampleShape, featureCount, count, features, labels, classes };
}

function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
