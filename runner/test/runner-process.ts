/**
 * Runs the real bench-runner (bin/bench-runner, Node 24) as a process, as a Job's container runs
 * it: the contract's environment, the benchmark's arguments, a termination message file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '../../test/support/wait.ts';

export const benchRunnerBin = path.resolve(import.meta.dirname, '../../bin/bench-runner');

/** Runners still going when the test process exits are killed. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface RunnerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The per-item results printed on stdout. */
  results: Record<string, unknown>[];
  /** The termination message as written ('' when none). */
  message: string;
}

export interface RunningRunner {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): { stdout: string; stderr: string };
  /** Waits until `count` per-item results are printed. */
  waitForResults(count: number, timeoutMs?: number): Promise<void>;
  exited: Promise<RunnerExit>;
}

/** A temporary folder for a test's dataset, results and termination message; removed by `remove`. */
export function workDir(): { dir: string; file(name: string, text?: string): string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-runner-'));
  return {
    dir,
    file(name, text) {
      const file = path.join(dir, name);
      if (text !== undefined) writeFileSync(file, text);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** JSONL from objects. */
export const jsonl = (items: readonly object[]) => items.map((i) => JSON.stringify(i)).join('\n') + '\n';

function parseResults(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function startRunner(
  args: string[],
  env: Record<string, string>,
  terminationFile: string,
): RunningRunner {
  const child = spawn(benchRunnerBin, args, {
    // Only the contract's environment (and PATH): nothing of the test process leaks in.
    env: { PATH: process.env.PATH ?? '', TERMINATION_MESSAGE_PATH: terminationFile, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  running.add(child);
  const exited = new Promise<RunnerExit>((resolve) =>
    child.on('close', (code, signal) => {
      running.delete(child);
      let message = '';
      try {
        message = readFileSync(terminationFile, 'utf8');
      } catch {
        // none written
      }
      resolve({ code, signal, stdout, stderr, results: parseResults(stdout), message });
    }),
  );
  return {
    child,
    output: () => ({ stdout, stderr }),
    waitForResults: (count, timeoutMs = 60_000) =>
      waitFor(
        `${count} per-item results on stdout`,
        () => ({ done: parseResults(stdout).length >= count, seen: { stdout, stderr } }),
        { timeoutMs, intervalMs: 20 },
      ),
    exited,
  };
}

/** Runs bench-runner to its end. */
export function runRunner(
  args: string[],
  env: Record<string, string>,
  terminationFile: string,
): Promise<RunnerExit> {
  return startRunner(args, env, terminationFile).exited;
}
