// benchctl run-local <suite> <benchmark> <target>: runs bench-runner on this machine with exactly
// the environment and arguments the operator gives that run's Job (its own renderJob, as benchctl
// render shows it), to try a benchmark before it goes to the cluster. The Job's Secrets are not
// read: the API key comes from the user's environment. Its volumes are made here (local-volumes.ts).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { LABELS } from '../../core/render/labels.ts';
import type { Wrap } from '../command.ts';
import { globalOptions, type CliContext } from '../context.ts';
import { failureError, findingError, type ExitCode } from '../errors.ts';
import { API_KEY_VARIABLE, localEnvironment } from '../job-environment.ts';
import { localMounts, localPath, type LocalMount } from '../local-volumes.ts';
import { findManifest, readManifests } from '../manifests.ts';
import { warn } from '../output.ts';
import { positiveInteger, renderOrFail } from './render.ts';

export const benchRunnerBin = fileURLToPath(new URL('../../../../bin/bench-runner', import.meta.url));

interface RunLocalOptions {
  path: string;
  policies?: string[];
  round: number;
  index: number;
  apiKeyEnv: string;
  env: Record<string, string>;
  mount: Record<string, string>;
  terminationLog?: string;
}

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number from 0');
  return Number(value);
}

/** --env NAME=value sets NAME; --env NAME takes NAME from this environment (keeps secrets off the command line). */
function envOption(userEnv: NodeJS.ProcessEnv) {
  return (entry: string, previous: Record<string, string>): Record<string, string> => {
    const [name, ...rest] = entry.split('=');
    if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new InvalidArgumentError(`${JSON.stringify(entry)} is not NAME=value or NAME`);
    }
    const value = rest.length > 0 ? rest.join('=') : userEnv[name];
    if (value === undefined) throw new InvalidArgumentError(`${name} is not set in this environment`);
    return { ...previous, [name]: value };
  };
}

/** --mount /data=./datasets: the container path /data is ./datasets here. */
function mountOption(entry: string, previous: Record<string, string>): Record<string, string> {
  const [mountPath, ...rest] = entry.split('=');
  const local = rest.join('=');
  if (!mountPath?.startsWith('/') || !local) {
    throw new InvalidArgumentError(
      `${JSON.stringify(entry)} is not <mount path>=<local path>, e.g. /data=./datasets`,
    );
  }
  return { ...previous, [mountPath]: local };
}

const EXIT_CODE_HELP = `
Once bench-runner has started, benchctl exits with bench-runner's exit code (the runner contract: 0
success, 2 benchmark or configuration error, 10 provider unavailable, 11 rate-limited, 12
credentials rejected, 20, 21, 22 the same for the judge's provider, 143 interrupted); before that,
with the exit codes below.`;

export function registerRunLocal(program: Command, ctx: CliContext, wrap: Wrap): Command {
  return program
    .command('run-local')
    .summary('run one run of a suite here, as its Job would')
    .description(
      'Run bench-runner on this machine with the environment and arguments the operator gives the Job of the run ' +
        '<benchmark> × <target> of the suite (found by name under --path, with its policies from --path and ' +
        '--policies). ConfigMap values come from the manifests; Secrets are not read: the API key comes from ' +
        `$${API_KEY_VARIABLE} here (or --api-key-env). Per-item results go to stdout, progress and the result ` +
        '(the termination message) to stderr. Volumes are made in a temporary folder: a ConfigMap volume from the ' +
        'manifests, an emptyDir empty; others need --mount. Paths under a mount in the arguments and environment are ' +
        'rewritten to where the mount is here.',
    )
    .argument('<suite>', 'the name of a BenchmarkSuite under --path')
    .argument('<benchmark>', 'one of its benchmarks')
    .argument('<target>', 'one of its targets')
    .option('--path <path>', 'a file or folder holding the suite', '.')
    .option(
      '--policies <paths...>',
      'files or folders with its ProviderPolicies, SchedulePolicy and ConfigMaps',
    )
    .option('--round <n>', 'the round', positiveInteger, 1)
    .option('--index <k>', 'for a sharded benchmark: the shard to run (JOB_COMPLETION_INDEX)', wholeNumber, 0)
    .option('--api-key-env <name>', 'the variable of this environment holding the API key', API_KEY_VARIABLE)
    .addOption(
      new Option(
        '--env <NAME[=value]>',
        'set or replace a variable (repeatable), e.g. BENCH_ENDPOINT=http://localhost:8000/v1; NAME alone takes it from here',
      )
        .argParser(envOption(ctx.env))
        .default({}, 'none'),
    )
    .addOption(
      new Option(
        '--mount <path=local>',
        'use a local folder or file for the container path <path> (repeatable), e.g. /data=./datasets; needed for Secret, PersistentVolumeClaim and CSI volumes',
      )
        .argParser(mountOption)
        .default({}, 'none'),
    )
    .option('--termination-log <file>', 'keep the result in this file (default: a temporary one)')
    .addHelpText('after', EXIT_CODE_HELP)
    .action(
      wrap(
        async (
          suiteName: string,
          benchmark: string,
          target: string,
          options: RunLocalOptions,
          command: Command,
        ): Promise<ExitCode> => {
          const { manifests, problems } = readManifests([options.path, ...(options.policies ?? [])]);
          if (problems.length > 0) throw findingError(problems.map((p) => p.message).join('\n'));
          const suite = findManifest(manifests, 'BenchmarkSuite', suiteName, options.path);
          const [rendered] = await renderOrFail([suite], manifests, {
            namespace: globalOptions(command).namespace ?? 'default',
            round: options.round,
          });
          const job = rendered!.jobs.find(
            (j) =>
              j.metadata!.labels![LABELS.benchmark] === benchmark &&
              j.metadata!.labels![LABELS.target] === target,
          );
          if (!job) {
            const spec = rendered!.suite.spec;
            throw findingError(
              `BenchmarkSuite ${suiteName} has no run ${benchmark} × ${target}: its benchmarks are ` +
                `${spec.benchmarks.map((b) => b.name).join(', ')}; its targets ${spec.targets.map((t) => t.name).join(', ')}`,
            );
          }
          const shards = job.spec!.completions ?? 1;
          if (options.index >= shards) {
            throw findingError(
              `--index ${options.index}: ${benchmark} has ${shards} shard(s), 0 to ${shards - 1}`,
            );
          }
          const apiKey = ctx.env[options.apiKeyEnv] || undefined;
          const { env, args } = localEnvironment({
            job,
            manifests,
            apiKey,
            index: options.index,
            overrides: options.env,
          });
          if (
            env[API_KEY_VARIABLE] === undefined &&
            job.spec!.template.spec!.containers[0]!.env?.some((v) => v.name === API_KEY_VARIABLE)
          ) {
            warn(ctx.io, `$${options.apiKeyEnv} is not set: bench-runner runs without an API key`);
          }
          if (rendered!.suite.spec.runner.command) {
            warn(
              ctx.io,
              'the suite’s runner.command is not run: bench-runner runs instead of the image’s program',
            );
          }
          if (shards > 1)
            ctx.io.stderr.write(`running shard ${options.index} of ${benchmark}'s ${shards} (--index)\n`);
          const workDir = mkdtempSync(path.join(tmpdir(), 'benchctl-run-local-'));
          try {
            const mounts = localMounts({
              job,
              manifests,
              dir: workDir,
              given: options.mount,
              cwd: process.cwd(),
            });
            for (const mount of mounts) {
              ctx.io.stderr.write(`mounting ${mount.source} at ${mount.mountPath}: ${mount.localPath}\n`);
            }
            const local = relocate(
              env,
              args,
              mounts,
              new Set([...Object.keys(options.env), API_KEY_VARIABLE]),
            );
            const messageFile = options.terminationLog ?? path.join(workDir, 'termination-log');
            return await runBenchRunner(ctx, local.env, local.args, messageFile);
          } finally {
            rmSync(workDir, { recursive: true, force: true });
          }
        },
      ),
    );
}

/** Arguments and variables (but those the user gave, and the key) with container paths moved here. */
function relocate(
  env: Record<string, string>,
  args: string[],
  mounts: LocalMount[],
  keep: ReadonlySet<string>,
): { env: Record<string, string>; args: string[] } {
  return {
    env: Object.fromEntries(
      Object.entries(env).map(([name, value]) => [name, keep.has(name) ? value : localPath(value, mounts)]),
    ),
    args: args.map((arg) => localPath(arg, mounts)),
  };
}

async function runBenchRunner(
  ctx: CliContext,
  jobEnv: Record<string, string>,
  args: string[],
  messageFile: string,
): Promise<ExitCode> {
  const child = spawn(benchRunnerBin, args, {
    // The Job's environment, and PATH to start the program; nothing else of this shell.
    env: { PATH: ctx.env.PATH ?? '', ...jobEnv, TERMINATION_MESSAGE_PATH: messageFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => ctx.io.stdout.write(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => ctx.io.stderr.write(chunk.toString()));
  // Ctrl-C or a kill of benchctl stops the run as Kubernetes stops a Job: SIGTERM, a partial result.
  const forward = () => child.kill('SIGTERM');
  process.on('SIGINT', forward).on('SIGTERM', forward);
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', (error) => reject(failureError(`bench-runner could not start: ${error.message}`)));
    child.once('close', (exitCode, signal) =>
      resolve(exitCode ?? 128 + (signal ? constants.signals[signal] : 0)),
    );
  }).finally(() => process.off('SIGINT', forward).off('SIGTERM', forward));
  let message = '(none)';
  try {
    message = readFileSync(messageFile, 'utf8');
  } catch {
    // bench-runner ended before writing one
  }
  ctx.io.stderr.write(`bench-runner exited with code ${code}; termination message: ${message}\n`);
  // bench-runner's own code, so scripts see the contract's 10, 11, 12 (see EXIT_CODE_HELP).
  return code as ExitCode;
}
