import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './ports.ts';
import { waitFor } from './wait.ts';

/** The job name the alerting rules select on: the operator's metrics Service under config/default. */
export const OPERATOR_JOB = 'bench-operator-controller-manager-metrics-service';

/** One element of an instant query's vector result. */
export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

export interface PrometheusServer {
  url: string;
  /** An instant query; rejects with Prometheus' own error (e.g. a parse error) when it fails. */
  query(expression: string): Promise<Sample[]>;
  /** Waits until the query's result satisfies `expected` (one scrape after another); returns it. */
  waitForQuery(
    expression: string,
    expected: (samples: Sample[]) => boolean,
    timeoutMs?: number,
  ): Promise<Sample[]>;
  alerts(): Promise<Alert[]>;
  /** The rule groups as Prometheus evaluates them: each rule's health and last error. */
  rules(): Promise<Array<{ name: string; health: string; lastError?: string }>>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** host:port of each operator to scrape, all in the job OPERATOR_JOB. */
  targets: string[];
  ruleFiles?: string[];
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}

/**
 * A real Prometheus server (Debian's `prometheus` package, installed by hack/deps-apt.sh) of its
 * own: a free port on 127.0.0.1, its TSDB in a temporary folder, scraping and evaluating rules
 * every second. Whatever the package's own service does is irrelevant to it.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  await writeFile(
    config,
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '1s' },
      rule_files: options.ruleFiles ?? [],
      scrape_configs: [{ job_name: OPERATOR_JOB, static_configs: [{ targets: options.targets }] }],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) =>
      reject(new Error(`cannot run prometheus (${error.message}): hack/deps-apt.sh installs it`)),
    );
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  process.once('exit', () => child.kill('SIGKILL'));
  await started;

  const api = async <T>(route: string, params: Record<string, string> = {}): Promise<T> => {
    const response = await fetch(`${url}/api/v1/${route}?${new URLSearchParams(params).toString()}`);
    const answer = (await response.json()) as ApiAnswer<T>;
    if (answer.status !== 'success') throw new Error(`Prometheus ${route} failed: ${answer.error}`);
    return answer.data;
  };
  await waitFor(
    `Prometheus on ${url} to be ready`,
    async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${output.slice(-2000)}`);
      const response = await fetch(`${url}/-/ready`);
      return { done: response.ok, seen: `${response.status}; ${output.slice(-1000)}` };
    },
    { timeoutMs: 30_000 },
  );

  const query = async (expression: string): Promise<Sample[]> => {
    const data = await api<{
      resultType: string;
      result: Array<{ metric: Record<string, string>; value: [number, string] }>;
    }>('query', { query: expression });
    if (data.resultType !== 'vector') throw new Error(`${expression}: a ${data.resultType}, not a vector`);
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  };
  return {
    url,
    query,
    waitForQuery: (expression, expected, timeoutMs = 60_000) =>
      waitFor(
        `the PromQL query ${expression} to return the expected result`,
        async () => {
          const samples = await query(expression);
          return { done: expected(samples), value: samples, seen: samples };
        },
        { timeoutMs, intervalMs: 500 },
      ),
    alerts: async () => (await api<{ alerts: Alert[] }>('alerts')).alerts,
    rules: async () =>
      (
        await api<{ groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> }>(
          'rules',
        )
      ).groups.flatMap((group) => group.rules),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
