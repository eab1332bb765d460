// benchctl diff --from <rev> --to <rev> <path>: how the Jobs the operator creates change between two
// Git revisions of the manifests under a path: a unified diff per changed Job, and the Jobs added
// and removed.
import type { V1Job } from '@kubernetes/client-node';
import type { Command } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { outputOption, type Wrap } from '../command.ts';
import { globalOptions, type CliContext } from '../context.ts';
import { EXIT, findingError, type ExitCode } from '../errors.ts';
import { Repo } from '../git.ts';
import { isKind } from '../manifests.ts';
import { printJson, toYaml, type Io } from '../output.ts';
import { positiveInteger, renderOrFail } from './render.ts';

type Change = 'added' | 'removed' | 'changed';

interface JobChange {
  job: string;
  namespace: string;
  suite: string;
  change: Change;
  /** The unified diff of the Job's YAML. */
  diff: string;
}

const key = (job: V1Job) => `${job.metadata!.namespace}/${job.metadata!.name}`;
const yaml = (job: V1Job | undefined) => (job ? toYaml(job) : '');

/** The Jobs the manifests under `under` give at `rev`, by namespace/name. */
async function jobsAt(repo: Repo, rev: string, under: string, namespace: string, round: number) {
  const { manifests, problems } = await repo.manifestsAt(rev, under);
  if (problems.length > 0) throw findingError(`at ${rev}: ${problems.map((p) => p.message).join('\n')}`);
  const suites = manifests.filter((m) => isKind(m, 'BenchmarkSuite'));
  let rendered;
  try {
    rendered = await renderOrFail(suites, manifests, { namespace, round });
  } catch (error) {
    throw findingError(`at ${rev}: ${(error as Error).message}`);
  }
  return new Map(rendered.flatMap((r) => r.jobs.map((job) => [key(job), job] as const)));
}

export function jobChanges(
  from: Map<string, V1Job>,
  to: Map<string, V1Job>,
  fromRev: string,
  toRev: string,
): JobChange[] {
  const changes: JobChange[] = [];
  for (const name of [...new Set([...from.keys(), ...to.keys()])].sort()) {
    const before = from.get(name);
    const after = to.get(name);
    const change: Change | undefined = !before
      ? 'added'
      : !after
        ? 'removed'
        : yaml(before) !== yaml(after)
          ? 'changed'
          : undefined;
    if (!change) continue;
    const job = (after ?? before)!;
    changes.push({
      job: job.metadata!.name!,
      namespace: job.metadata!.namespace!,
      suite: job.metadata!.labels?.['bench.dev/suite'] ?? '',
      change,
      diff: createTwoFilesPatch(
        before ? `${fromRev}/${name}` : '/dev/null',
        after ? `${toRev}/${name}` : '/dev/null',
        yaml(before),
        yaml(after),
        undefined,
        undefined,
        { context: 3 },
      ),
    });
  }
  return changes;
}

function printText(io: Io, changes: JobChange[]) {
  const { out } = io;
  for (const c of changes) {
    for (const line of c.diff.split('\n')) {
      if (line.startsWith('====')) continue;
      const colored =
        line.startsWith('+++') || line.startsWith('---')
          ? out.bold(line)
          : line.startsWith('+')
            ? out.green(line)
            : line.startsWith('-')
              ? out.red(line)
              : line.startsWith('@@')
                ? out.cyan(line)
                : line;
      if (line !== '' || colored !== '') io.stdout.write(`${colored}\n`);
    }
  }
  const count = (change: Change) => changes.filter((c) => c.change === change).length;
  io.stdout.write(
    changes.length === 0
      ? 'no Job changes\n'
      : `${count('changed')} Jobs changed, ${count('added')} added, ${count('removed')} removed\n`,
  );
}

export function registerDiff(program: Command, ctx: CliContext, wrap: Wrap): Command {
  return program
    .command('diff')
    .summary('show how the Jobs change between two Git revisions')
    .description(
      'Show how the Jobs the operator would create change between two Git revisions of the manifests under <path> ' +
        '(every BenchmarkSuite there, with the policies there). Exits 1 when there are changes, like diff(1).',
    )
    .argument('[path]', 'a file or folder in the Git working copy', '.')
    .requiredOption('--from <rev>', 'the revision before')
    .option('--to <rev>', 'the revision after', 'HEAD')
    .option('--round <n>', 'the round rendered on both sides', positiveInteger, 1)
    .addOption(outputOption(['text', 'json'], 'text'))
    .action(
      wrap(
        async (
          target: string,
          options: { from: string; to: string; round: number; output: string },
          command: Command,
        ): Promise<ExitCode> => {
          const repo = await Repo.containing(target);
          const under = repo.relative(target);
          const [fromSha, toSha] = [await repo.resolve(options.from), await repo.resolve(options.to)];
          const namespace = globalOptions(command).namespace ?? 'default';
          const before = await jobsAt(repo, fromSha, under, namespace, options.round);
          const after = await jobsAt(repo, toSha, under, namespace, options.round);
          const changes = jobChanges(before, after, options.from, options.to);
          if (options.output === 'json') {
            printJson(ctx.io, {
              from: { rev: options.from, commit: fromSha },
              to: { rev: options.to, commit: toSha },
              changes,
            });
          } else {
            printText(ctx.io, changes);
          }
          return changes.length === 0 ? EXIT.ok : EXIT.findings;
        },
      ),
    );
}
