import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeepLutError } from '../core/errors';
import { parseTestbenchResult } from '../core/hardware/testbench';

export interface IverilogResult {
  passed: boolean;
  /** The testbench's summary line, or why there is none. */
  summary: string;
  samples?: number;
  mismatches?: number;
  accuracy?: number;
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(new DeepLutError(`${command} not found; install Icarus Verilog (apt-get install iverilog, or bash .ci/setup)`));
      else reject(error);
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * Compiles a bundle folder's Verilog with Icarus Verilog and runs its testbench there (it
 * reads the .hex files from its working folder). Passed means vvp exited 0 and the summary
 * line reports zero mismatches.
 */
export async function runIverilog(folder: string): Promise<IverilogResult> {
  const sources = readdirSync(folder).filter((name) => name.endsWith('.v'));
  const build = mkdtempSync(join(tmpdir(), 'deeplut-iverilog-'));
  try {
    const binary = join(build, 'deeplut_tb.vvp');
    const compiled = await run('iverilog', ['-g2005', '-s', 'deeplut_tb', '-o', binary, ...sources], folder);
    if (compiled.code !== 0) return { passed: false, summary: `iverilog failed to compile the bundle:\n${compiled.output}` };
    const simulated = await run('vvp', ['-n', binary], folder);
    const result = parseTestbenchResult(simulated.output);
    if (!result) return { passed: false, summary: `the testbench printed no result line (vvp exit code ${simulated.code}):\n${simulated.output}` };
    const summary = `samples=${result.samples} mismatches=${result.mismatches}${result.accuracy === undefined ? '' : ` accuracy=${result.accuracy}`}`;
    return { passed: simulated.code === 0 && result.mismatches === 0, summary, ...result };
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
}
