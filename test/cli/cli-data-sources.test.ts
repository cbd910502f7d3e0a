import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

function deeplut(args: string[], cwd: string) {
  const result = spawnSync(TSX, [join(ROOT, 'src/cli/main.ts'), ...args], { cwd, encoding: 'utf8', timeout: 300_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('command line data sources', () => {
  it('trains the synthetic example', () => {
    const work = mkdtempSync(join(tmpdir(), 'deeplut-cli-synthetic-'));
    const spec = JSON.parse(readFileSync(join(ROOT, 'examples/majority-synthetic.json'), 'utf8'));
    writeFileSync(join(work, 'spec.json'), JSON.stringify({ ...spec, epochs: 1 }));
    const result = deeplut(['train', 'spec.json', '--runs', 'runs'], work);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/2000 train \/ 500 test samples of 9-bit majority/);
    const [run] = readdirSync(join(work, 'runs'));
    expect(readdirSync(join(work, 'runs', run)).sort()).toEqual(['metrics.json', 'model.json', 'verilog', 'verilog.zip']);
  });

  it('trains from a CSV file relative to the spec', () => {
    const work = mkdtempSync(join(tmpdir(), 'deeplut-cli-csv-'));
    const rows = ['x0,x1,x2,label'];
    for (let i = 0; i < 120; i++) rows.push(`${i & 1},${(i >> 1) & 1},${(i >> 2) & 1},${(i & 1) | ((i >> 1) & 1)}`);
    writeFileSync(join(work, 'or.csv'), rows.join('\n'));
    const spec = {
      name: 'csv-or',
      dataset: { source: 'csv', path: 'or.csv', labelColumn: 'label' },
      split: { train: 90, test: 30 },
      layers: [{ type: 'LutLinear', out: 2, k: 2, mask: { kind: 'minimal' } }],
      batchSize: 30,
      epochs: 1,
    };
    writeFileSync(join(work, 'spec.json'), JSON.stringify(spec));
    const result = deeplut(['train', 'spec.json', '--runs', 'runs'], work);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/90 train \/ 30 test samples of .*or\.csv/);
  });
});
