import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach } from 'vitest';
import { waitFor } from './wait.ts';

export interface LogLine {
  msg?: string;
  time?: number;
  [field: string]: unknown;
}

/** A Node program started for a test, with its JSON log lines (pino) collected from stdout. */
export interface RunningProgram {
  child: ChildProcess;
  logs: LogLine[];
  exited: Promise<number | null>;
  /** Waits for a log line with this msg (and matching fields), returning it. */
  waitForLog(msg: string, fields?: Record<string, unknown>, timeoutMs?: number): Promise<LogLine>;
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/** Runs a .ts program with this Node (which strips types natively); killed at the latest when the test process exits. */
export function runProgram(script: string, args: string[]): RunningProgram {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as LogLine);
    } catch {
      logs.push({ msg: line });
    }
  });
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  process.once('exit', () => child.kill('SIGKILL'));
  const matches = (line: LogLine, msg: string, fields: Record<string, unknown>) =>
    line.msg === msg && Object.entries(fields).every(([key, value]) => line[key] === value);
  return {
    child,
    logs,
    exited,
    waitForLog: (msg, fields = {}, timeoutMs = 60_000) =>
      waitFor(
        `log "${msg}"`,
        () => {
          const line = logs.find((l) => matches(l, msg, fields));
          return {
            done: line !== undefined,
            value: line,
            seen: { logs: logs.slice(-10), stderr: stderr.slice(-10) },
          };
        },
        { timeoutMs, intervalMs: 50 },
      ),
    stop: async (signal) => {
      child.kill(signal);
      return exited;
    },
  };
}

/** A list for the programs a test file starts, each killed after its test (call at the file's top level). */
export function programsKilledAfterEach(): RunningProgram[] {
  const programs: RunningProgram[] = [];
  afterEach(async () => {
    await Promise.all(
      programs
        .splice(0)
        .filter((p) => p.child.exitCode === null)
        .map((p) => p.stop('SIGKILL')),
    );
  });
  return programs;
}
