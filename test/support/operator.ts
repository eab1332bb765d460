import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { kubeconfigPath, repoRoot } from './paths.ts';
import { waitFor } from './wait.ts';

export interface OperatorProcess {
  readonly child: ChildProcess;
  readonly identity: string;
  /** Where its JSON logs go: .cache/test-logs/<identity>.log. */
  readonly logFile: string;
  healthPort(): Promise<number>;
  metricsPort(): Promise<number>;
  /** SIGTERM, then wait for the process to exit; resolves with its exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no shutdown, no lease release, as when a node dies. */
  kill(): Promise<void>;
}

export interface OperatorOptions {
  /** The namespaces it watches: each test file runs its own operator over its own namespace. */
  namespaces: string[];
  identity?: string;
  leaderElection?: boolean;
  /** Lease namespace (default: the first watched namespace). */
  leaseNamespace?: string;
  kubeconfig?: string;
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

const node = path.join(repoRoot, 'node_modules/.bin/node');
const main = path.join(repoRoot, 'operator/src/main.ts');
const started: OperatorProcess[] = [];

/** Starts the operator as a real process (as `make run` does), with ports it picks itself. */
export function startOperator(options: OperatorOptions): OperatorProcess {
  const identity = options.identity ?? `op-${process.pid}-${started.length}`;
  const logDir = path.join(repoRoot, '.cache/test-logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${identity}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(
    node,
    [
      main,
      `--namespaces=${options.namespaces.join(',')}`,
      `--leader-elect=${options.leaderElection ?? false}`,
      `--leader-election-namespace=${options.leaseNamespace ?? options.namespaces[0]}`,
      '--health-probe-bind-address=127.0.0.1:0',
      '--metrics-bind-address=127.0.0.1:0',
      ...(options.extraArgs ?? []),
    ],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        KUBECONFIG: options.kubeconfig ?? kubeconfigPath,
        POD_NAME: identity,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    log.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = (field: string) =>
    waitFor(
      `operator ${identity} to log its ${field}`,
      () => {
        const match = new RegExp(`"${field}":(\\d+)`).exec(output);
        return {
          done: match !== null,
          value: Number(match?.[1]),
          seen: output.slice(-2000) || '(no output)',
        };
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  const operator: OperatorProcess = {
    child,
    identity,
    logFile,
    healthPort: () => port('healthPort'),
    metricsPort: () => port('metricsPort'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  started.push(operator);
  return operator;
}

/** Stops every operator a test file started, after its tests. */
export function stopOperatorsAfterAll(): void {
  afterAll(async () => {
    await Promise.all(started.splice(0).map((operator) => operator.kill()));
  });
}
