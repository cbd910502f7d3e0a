import { gunzipSync } from 'fflate';
import { DataError } from '../errors';

/** Returns whether `bytes` starts with the gzip magic number 1f 8b (RFC 1952). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses a gzip file and checks its trailer: the CRC-32 and the length modulo 2^32 of
 * the decompressed data (RFC 1952). fflate 0.8 does not check the CRC, so without this step a
 * flipped bit inside the compressed data could pass as valid data.
 * Raises a DataError that names `fileName` when the data is corrupt or cut short.
 */
export function gunzipVerified(bytes: Uint8Array, fileName: string): Uint8Array {
  // A gzip member has a 10-byte header and an 8-byte trailer around the compressed data.
  if (bytes.length < 18) {
    throw new DataError(
      `${fileName}: corrupt gzip data: the file is ${bytes.length} bytes, shorter than the 18 bytes ` +
        `of a gzip header and trailer; download or copy the file again`,
    );
  }

  let output: Uint8Array;
  try {
    output = gunzipSync(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataError(`${fileName}: corrupt gzip data (${reason}); download or copy the file again`);
  }

  // NOTE: the trailer check reads the last 8 bytes, so it covers single-member gzip files only.
  // A valid file of several concatenated gzip members fails the check and is reported as corrupt.
  const trailer = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 8);
  const expectedCrc = trailer.getUint32(0, true);
  const expectedSize = trailer.getUint32(4, true);
  if (output.length % 2 ** 32 !== expectedSize) {
    throw new DataError(
      `${fileName}: corrupt gzip data: decompressed to ${output.length} bytes but the gzip trailer ` +
        `records ${expectedSize}; download or copy the file again`,
    );
  }
  const actualCrc = crc32(output);
  if (actualCrc !== expectedCrc) {
    throw new DataError(
      `${fileName}: corrupt gzip data: CRC-32 of the decompressed data is ${hex32(actualCrc)} but the ` +
        `gzip trailer records ${hex32(expectedCrc)}; download or copy the file again`,
    );
  }

  return output;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 with the reflected polynomial 0xEDB88320, as used by gzip and zip. */
export function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }

  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
