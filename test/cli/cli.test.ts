import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const FASHION = '/usr/share/datasets/fashion-mnist';

function deeplut(args: string[], cwd: string) {
  const result = spawnSync(TSX, [join(ROOT, 'src/cli/main.ts'), ...args], { cwd, encoding: 'utf8', timeout: 300_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file under a folder with its content, to prove that a command left it untouched. */
function snapshot(folder: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files[path] = readFileSync(path, 'latin1');
    }
  }
  return files;
}

const TINY_LAYERS = [
  { type: 'Flatten' },
  { type: 'BinaryLinear', out: 16 },
  { type: 'BatchNorm' },
  { type: 'Sign' },
  { type: 'LutLinear', out: 12, k: 3 },
  { type: 'BatchNorm' },
  { type: 'Sign' },
  { type: 'LutLinear', out: 10, k: 2, mask: { kind: 'minimal' } },
];

let work: string;
let runs: string;
let before: Record<string, string>;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'deeplut-cli-'));
  runs = join(work, 'runs');
  // An earlier run that every failing command must leave alone.
  mkdirSync(join(runs, 'old-run'), { recursive: true });
  writeFileSync(join(runs, 'old-run', 'metrics.json'), '{"testAccuracy": 0.9}\n');
  before = snapshot(runs);
});

describe('command line errors', () => {
  it('invalid JSON exits non-zero with one line', () => {
    writeFileSync(join(work, 'broken.json'), '{"layers": [');
    const result = deeplut(['train', 'broken.json', '--runs', runs], work);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: invalid spec: broken\.json is not valid JSON/);
    expect(snapshot(runs)).toEqual(before);
  });

  it('k = 20 names the path and the range', () => {
    writeFileSync(join(work, 'k20.json'), JSON.stringify({ layers: [...TINY_LAYERS.slice(0, 4), { type: 'LutLinear', out: 10, k: 20 }] }));
    const result = deeplut(['train', 'k20.json', '--runs', runs], work);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: invalid spec: layers[4].k: must be an integer from 1 to 8, got 20\n');
    expect(snapshot(runs)).toEqual(before);
  });

  it('a truncated IDX file names the file and the shortfall', () => {
    const raw = gunzipSync(readFileSync(join(FASHION, 't10k-images-idx3-ubyte.gz')));
    writeFileSync(join(work, 'images-idx3-ubyte'), raw.subarray(0, 5000));
    cpSync(join(FASHION, 't10k-labels-idx1-ubyte.gz'), join(work, 'labels-idx1-ubyte.gz'));
    const spec = {
      dataset: { source: 'idx', trainImages: 'images-idx3-ubyte', trainLabels: 'labels-idx1-ubyte.gz', testImages: 'images-idx3-ubyte', testLabels: 'labels-idx1-ubyte.gz' },
      layers: TINY_LAYERS,
    };
    writeFileSync(join(work, 'idx.json'), JSON.stringify(spec));
    const result = deeplut(['train', 'idx.json', '--runs', runs], work);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: .*images-idx3-ubyte.*truncated/);
    expect(snapshot(runs)).toEqual(before);
  });

  it('a folder as spec and a file as --runs fail before training', () => {
    const folderSpec = deeplut(['train', runs, '--runs', runs], work);
    expect(folderSpec.code).toBe(1);
    expect(folderSpec.stderr).toBe(`error: ${runs} is not a file; pass the path of the spec JSON file\n`);

    writeFileSync(join(work, 'plain-file'), 'x');
    writeFileSync(join(work, 'ok.json'), JSON.stringify({ layers: TINY_LAYERS }));
    const fileRuns = deeplut(['train', 'ok.json', '--runs', 'plain-file'], work);
    expect(fileRuns.code).toBe(1);
    expect(fileRuns.stderr).toBe('error: --runs plain-file is a file, not a folder; choose a folder\n');
    expect(snapshot(runs)).toEqual(before);
  });

  it('a Dense network trains, saves the model and fails the export by name', () => {
    const layers = [{ type: 'Flatten' }, { type: 'Dense', out: 8 }, { type: 'Sign' }, { type: 'LutLinear', out: 10, k: 2 }];
    writeFileSync(join(work, 'dense.json'), JSON.stringify({ name: 'dense', split: { train: 128, test: 32 }, layers, epochs: 1, batchSize: 64 }));
    const denseRuns = join(work, 'dense-runs');
    const result = deeplut(['train', 'dense.json', '--runs', denseRuns, '--backend', 'cpu'], work);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^warning: this network cannot be exported to Verilog: layers\[1\] Dense: Dense layers have no hardware form/);
    expect(result.stderr).toMatch(/\nerror: layers\[1\] Dense: Dense layers have no hardware form; .* The trained model is saved: .*model\.json and metrics\.json\n$/);
    const [folder] = readdirSync(denseRuns);
    expect(readdirSync(join(denseRuns, folder)).sort()).toEqual(['metrics.json', 'model.json']);
  });

  it('unknown command prints the usage', () => {
    const result = deeplut(['fly'], work);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/expected "train <spec.json>", "export <model.json>" or "bench <spec.json>"/);
  });
});

describe('command line training and export', () => {
  it('writes a run folder and re-exports the same bundle', () => {
    const spec = { name: 'tiny', seed: 5, split: { train: 256, test: 64 }, layers: TINY_LAYERS, epochs: 1, batchSize: 64, learningRate: 0.01 };
    writeFileSync(join(work, 'tiny.json'), JSON.stringify(spec));
    const trained = deeplut(['train', 'tiny.json', '--runs', runs, '--backend', 'cpu'], work);
    expect(trained.stderr).not.toMatch(/error/);
    expect(trained.code).toBe(0);

    expect(readFileSync(join(runs, 'old-run', 'metrics.json'), 'utf8')).toBe('{"testAccuracy": 0.9}\n');
    const created = readdirSync(runs).filter((name) => name.startsWith('tiny-'));
    expect(created).toHaveLength(1);
    const folder = join(runs, created[0]);
    expect(readdirSync(folder).sort()).toEqual(['metrics.json', 'model.json', 'verilog', 'verilog.zip']);
    const metrics = JSON.parse(readFileSync(join(folder, 'metrics.json'), 'utf8'));
    expect(metrics.backend).toBe('cpu');
    expect(metrics.history).toHaveLength(1);
    expect(trained.stdout).toContain(`test accuracy ${(metrics.testAccuracy * 100).toFixed(2)}%`);

    const exported = deeplut(['export', join(folder, 'model.json'), '--backend', 'cpu'], work);
    expect(exported.code).toBe(0);
    const original = join(folder, 'verilog');
    const again = join(folder, 'verilog-export');
    expect(readFileSync(join(folder, 'verilog-export.zip'))).toEqual(readFileSync(join(folder, 'verilog.zip')));
    expect(readdirSync(again).sort()).toEqual(readdirSync(original).sort());
    for (const file of readdirSync(original)) expect(readFileSync(join(again, file))).toEqual(readFileSync(join(original, file)));
  });
});
