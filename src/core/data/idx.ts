/**
 * Reader for IDX files, the format of MNIST and Fashion-MNIST. An IDX file is a 4-byte magic
 * number (two zero bytes, a data type code, the number of dimensions), one big-endian 32-bit
 * size per dimension, then the values in row-major order. DeepLUT reads only uint8 data
 * (type code 0x08): images are 0x00000803 (count, rows, columns) and labels 0x00000801 (count).
 * Files may be gzip-compressed; they are recognised by the gzip magic number.
 */
import { DataError } from '../errors';
import type { Dataset } from './dataset';
import { gunzipVerified, isGzip } from './gzip';

/** A decoded IDX file. */
export interface IdxArray {
  /** Size of each dimension, outermost first; dims[0] is the sample count. */
  dims: number[];
  /** The values in row-major order; only uint8 data is supported. */
  data: Uint8Array;
}

/** Names of the IDX type codes, for error messages. */
const IDX_TYPE_NAMES: Record<number, string> = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** Type code of unsigned 8-bit data, the only one DeepLUT reads. */
const IDX_UINT8 = 0x08;

/** Options of `idxPairToDataset`. */
export interface IdxPairOptions {
  /** File name of the images, used in error messages. */
  imagesName: string;
  /** File name of the labels, used in error messages. */
  labelsName: string;
  /** Dataset name; defaults to `imagesName`. */
  name?: string;
  /** Number of classes, 1-256; defaults to the largest label + 1. */
  classes?: number;
}

/**
 * Parses an IDX file of uint8 values, raw or gzip-compressed. Raises a DataError naming
 * `fileName` when the magic number is wrong, the data type is not uint8, or the byte count
 * differs from the one the header declares (truncated file or trailing bytes).
 */
export function parseIdx(bytes: Uint8Array, fileName: string): IdxArray {
  const gzipped = isGzip(bytes);
  const raw = gzipped ? gunzipVerified(bytes, fileName) : bytes;
  const sizeWord = gzipped ? 'decompressed size' : 'size';

  // Magic number: 0x00 0x00, type code, dimension count.
  if (raw.length < 4) {
    throw new DataError(
      `${fileName}: truncated IDX file: ${sizeWord} is ${raw.length} bytes, shorter than the 4-byte magic number`,
    );
  }
  if (raw[0] !== 0 || raw[1] !== 0) {
    throw new DataError(
      `${fileName}: not an IDX file: magic number is ${hexBytes(raw.subarray(0, 4))}, expected ` +
        `00 00 08 03 (uint8 images) or 00 00 08 01 (uint8 labels); pass an MNIST-format IDX file`,
    );
  }
  const typeCode = raw[2];
  const dimCount = raw[3];
  if (typeCode !== IDX_UINT8) {
    const typeName = IDX_TYPE_NAMES[typeCode] ?? 'unknown type';
    throw new DataError(
      `${fileName}: unsupported IDX data type 0x${typeCode.toString(16).padStart(2, '0')} (${typeName}); ` +
        `only uint8 (0x08) files can be read, so convert the data to 8-bit values`,
    );
  }
  if (dimCount === 0) {
    throw new DataError(`${fileName}: invalid IDX header: the magic number declares 0 dimensions, expected at least 1`);
  }

  // Dimension sizes: one big-endian uint32 each.
  const headerSize = 4 + 4 * dimCount;
  if (raw.length < headerSize) {
    throw new DataError(
      `${fileName}: truncated IDX file: the header of ${dimCount} dimensions needs ${headerSize} bytes ` +
        `but the ${sizeWord} is ${raw.length} bytes; download or copy the file again`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims: number[] = [];
  let valueCount = 1;
  for (let d = 0; d < dimCount; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    valueCount *= size;
  }

  // Data: exactly one byte per value.
  const expectedSize = headerSize + valueCount;
  if (raw.length < expectedSize) {
    throw new DataError(
      `${fileName}: truncated IDX file: the header declares dimensions ${dims.join('x')}, so the ` +
        `${sizeWord} should be ${expectedSize} bytes, but it is ${raw.length} bytes; download or copy the file again`,
    );
  }
  if (raw.length > expectedSize) {
    throw new DataError(
      `${fileName}: ${raw.length - expectedSize} trailing bytes after the IDX data: the header declares ` +
        `dimensions ${dims.join('x')}, so the ${sizeWord} should be ${expectedSize} bytes, but it is ` +
        `${raw.length} bytes; check that the file is a single, unmodified IDX file`,
    );
  }

  return { dims, data: raw.slice(headerSize, expectedSize) };
}

/**
 * Parses an IDX images file and an IDX labels file (raw or gzip) into a Dataset.
 * The images file needs at least 2 dimensions (count, then the sample shape) and the labels
 * file exactly 1. Raises a DataError naming the file when either cannot be parsed, when the
 * counts differ, when there are no samples, or when a label is outside 0..classes-1.
 */
export function idxPairToDataset(imagesBytes: Uint8Array, labelsBytes: Uint8Array, options: IdxPairOptions): Dataset {
  const { imagesName, labelsName } = options;
  const images = parseIdx(imagesBytes, imagesName);
  const labels = parseIdx(labelsBytes, labelsName);

  // Shapes and counts.
  if (images.dims.length < 2) {
    throw new DataError(
      `${imagesName}: expected an images file with at least 2 dimensions (count, then sample shape), ` +
        `got ${images.dims.length} dimension; check that the images and labels files are not swapped`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new DataError(
      `${labelsName}: expected a labels file with 1 dimension (count), got ${labels.dims.length} ` +
        `dimensions (${labels.dims.join('x')}); check that the images and labels files are not swapped`,
    );
  }
  const count = images.dims[0];
  if (labels.dims[0] !== count) {
    throw new DataError(
      `sample count mismatch: ${imagesName} contains ${count} images but ${labelsName} contains ` +
        `${labels.dims[0]} labels; pass the labels file that belongs to these images`,
    );
  }
  if (count === 0) {
    throw new DataError(`${imagesName}: contains 0 samples; pass a file with at least one sample`);
  }
  const sampleShape = images.dims.slice(1);
  const featureCount = sampleShape.reduce((product, size) => product * size, 1);
  if (featureCount === 0) {
    throw new DataError(
      `${imagesName}: sample shape ${sampleShape.join('x')} contains 0 features; pass a file with non-empty samples`,
    );
  }

  // Labels against the class count.
  const classes = options.classes ?? maxLabel(labels.data) + 1;
  if (!Number.isInteger(classes) || classes < 1 || classes > 256) {
    throw new DataError(`invalid class count ${classes} for ${labelsName}: expected an integer 1-256`);
  }
  for (let s = 0; s < count; s++) {
    if (labels.data[s] >= classes) {
      throw new DataError(
        `${labelsName}: label of sample ${s} is ${labels.data[s]}, outside 0..${classes - 1} for ${classes} ` +
          `classes; pass a larger class count or fix the labels file`,
      );
    }
  }

  return {
    name: options.name ?? imagesName,
    sampleShape,
    featureCount,
    count,
    features: images.data,
    labels: labels.data,
    classes,
  };
}

function maxLabel(labels: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  return max;
}

function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
