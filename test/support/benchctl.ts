// Runs the real benchctl (bin/benchctl, on Node 24) as a process, as users and scripts run it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths.ts';

export interface BenchctlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface BenchctlOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export const benchctlBin = path.join(repoRoot, 'bin/benchctl');

export function benchctl(args: string[], options: BenchctlOptions = {}): Promise<BenchctlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(benchctlBin, args, {
      cwd: options.cwd ?? repoRoot,
      // No terminal: no colors unless a test asks for them.
      env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** stdout as JSON, with the command line in the error when it is not. */
export function parseJson<T>(result: BenchctlResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`benchctl printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}
