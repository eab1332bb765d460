// benchctl history <suite>: the Git commits that changed the suite's manifest, newest first, each
// with the rounds it produced in the cluster (BenchmarkRound records, else status, Jobs, Events) and how they ended. A round belongs to the commit that
// last changed the file as of the revision the round ran (Flux and Argo CD report the repository's
// revision, which may be a later commit touching other files).
import type { SuiteObject } from '../../controllers/caches.ts';
import type { Command } from 'commander';
import { benchmarkSuiteType, jobType } from '../../controllers/resources.ts';
import { LABELS, MANAGED_SELECTOR } from '../../core/render/labels.ts';
import type { JobView } from '../../core/suite/observe.ts';
import { connect, fromCluster } from '../cluster.ts';
import { suiteRecords } from '../suite-records.ts';
import { outputOption, type Wrap } from '../command.ts';
import { globalOptions, type CliContext, type GlobalOptions } from '../context.ts';
import { CliError, EXIT, type ExitCode } from '../errors.ts';
import { Repo, type Commit } from '../git.ts';
import { printJson, warn, type Io } from '../output.ts';
import { commitOfRevision, roundsOf, withRecords, type RoundEvent, type RoundView } from '../rounds.ts';
import { suiteInWorkingCopy } from '../suite-source.ts';

interface CommitHistory extends Commit {
  rounds: RoundView[];
}

interface ClusterRounds {
  /** ok: rounds read; absent: no such suite there; unreachable: the cluster could not be read. */
  cluster: 'ok' | 'absent' | 'unreachable';
  namespace?: string;
  rounds: RoundView[];
}

async function clusterRounds(name: string, options: GlobalOptions, io: Io): Promise<ClusterRounds> {
  try {
    const cluster = await connect(options);
    const suite = await fromCluster(cluster, `BenchmarkSuite ${name}`, () =>
      cluster.client.get<SuiteObject>(benchmarkSuiteType, cluster.namespace, name),
    );
    const jobs = await fromCluster(cluster, 'Jobs', () =>
      cluster.client.list<JobView & { metadata: { name: string } }>(jobType, {
        namespace: cluster.namespace,
        labelSelector: `${MANAGED_SELECTOR},${LABELS.suite}=${name}`,
      }),
    );
    const { eventType } = await import('../../runtime/events/recorder.ts');
    const events = await fromCluster(cluster, 'Events', () =>
      cluster.client.list<RoundEvent & { metadata: { name: string }; regarding?: { uid?: string } }>(
        eventType,
        {
          namespace: cluster.namespace,
          fieldSelector: `regarding.kind=BenchmarkSuite,regarding.name=${name}`,
        },
      ),
    );
    const records = await suiteRecords(cluster, name);
    // Events and records of an earlier suite of the same name are not this one's.
    const own = events.items.filter((e) => e.regarding?.uid === suite.metadata.uid);
    const ownRecords = records.filter((r) =>
      r.metadata.ownerReferences?.some((o) => o.uid === suite.metadata.uid),
    );
    const rounds = withRecords(roundsOf(suite, jobs.items, own), ownRecords);
    return { cluster: 'ok', namespace: cluster.namespace, rounds };
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    warn(io, `${error.message}: showing the commits only`);
    return { cluster: error.exitCode === EXIT.findings ? 'absent' : 'unreachable', rounds: [] };
  }
}

function printText(io: Io, name: string, file: string, commits: CommitHistory[], unmatched: RoundView[]) {
  const c = io.out;
  io.stdout.write(`${c.bold(`BenchmarkSuite ${name}`)} in ${file}\n`);
  const roundLine = (r: RoundView) => {
    const outcome =
      r.outcome === 'Succeeded'
        ? c.green(r.outcome)
        : r.outcome === 'Failed'
          ? c.red(r.outcome)
          : c.yellow(r.outcome);
    const when = r.finishedAt ?? r.startedAt ?? '';
    return `    round ${r.round}  ${outcome}  ${r.succeeded}/${r.runs} runs succeeded${r.failed ? `, ${r.failed} failed` : ''}${when ? `  ${when}` : ''}${r.revision ? `  revision ${r.revision}` : ''}\n`;
  };
  for (const commit of commits) {
    io.stdout.write(
      `${c.yellow(commit.sha.slice(0, 12))}  ${commit.date.slice(0, 10)}  ${commit.author}  ${commit.subject}\n`,
    );
    for (const r of commit.rounds) io.stdout.write(roundLine(r));
  }
  if (unmatched.length > 0) {
    io.stdout.write(`rounds of revisions not in this history:\n`);
    for (const r of unmatched) io.stdout.write(roundLine(r));
  }
}

export function registerHistory(program: Command, ctx: CliContext, wrap: Wrap): Command {
  return program
    .command('history')
    .summary('the commits that changed a suite, with the rounds each produced')
    .description(
      'List the Git commits that changed the BenchmarkSuite’s manifest (the tracked file under --path defining it), ' +
        'with the rounds each produced in the cluster and their outcome. Without the cluster (unreachable, or the ' +
        'suite absent), the commits alone.',
    )
    .argument('<suite>', 'the BenchmarkSuite’s name')
    .option('--path <path>', 'the file or folder of the working copy to look for the suite in', '.')
    .option('--offline', 'do not read the cluster')
    .addOption(outputOption(['text', 'json'], 'text'))
    .action(
      wrap(
        async (
          name: string,
          options: { path: string; offline?: boolean; output: string },
          command: Command,
        ): Promise<ExitCode> => {
          const repo = await Repo.containing(options.path);
          const source = await suiteInWorkingCopy(repo, name, repo.relative(options.path));
          const commits = await repo.history(source.file);
          const found = options.offline
            ? { cluster: 'unread' as const, rounds: [] }
            : await clusterRounds(name, globalOptions(command), ctx.io);
          const history: CommitHistory[] = commits.map((commit) => ({ ...commit, rounds: [] }));
          const unmatched: RoundView[] = [];
          const defining = new Map<string, string | undefined>();
          for (const round of found.rounds) {
            const sha = round.revision ? commitOfRevision(round.revision) : undefined;
            if (sha && !defining.has(sha)) defining.set(sha, await repo.lastChangeAsOf(sha, source.file));
            const commit = sha ? history.find((h) => h.sha === defining.get(sha)) : undefined;
            (commit?.rounds ?? unmatched).push(round);
          }
          if (options.output === 'json') {
            printJson(ctx.io, {
              suite: {
                name,
                file: source.file,
                ...('namespace' in found && found.namespace ? { namespace: found.namespace } : {}),
              },
              cluster: found.cluster,
              commits: history,
              unmatchedRounds: unmatched,
            });
          } else {
            printText(ctx.io, name, source.file, history, unmatched);
          }
          return EXIT.ok;
        },
      ),
    );
}
