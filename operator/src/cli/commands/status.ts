// benchctl status [suite]: suites, their rounds and runs from the cluster, and for every run that
// waits, the reason it waits, readable at a glance.
import type { SuiteObject } from '../../controllers/caches.ts';
import type { Command } from 'commander';
import type { RunStatus } from '../../api/index.ts';
import { benchmarkSuiteType } from '../../controllers/resources.ts';
import { connect, fromCluster } from '../cluster.ts';
import { outputOption, type Wrap } from '../command.ts';
import { globalOptions, type CliContext } from '../context.ts';
import { EXIT, type ExitCode } from '../errors.ts';
import { printJson, table, type Colors, type Io } from '../output.ts';
import { suiteView, type SuiteView } from '../suite-view.ts';

/** Waiting runs shown per suite in the list; -o json and `status <suite>` show them all. */
const WAITING_IN_LIST = 5;

function phaseColor(c: Colors, phase: string): string {
  switch (phase) {
    case 'Succeeded':
      return c.green(phase);
    case 'Failed':
      return c.red(phase);
    case 'Running':
      return c.cyan(phase);
    case 'Waiting':
    case 'Pending':
    case 'Queued':
    case 'Retrying':
    case 'Blocked':
      return c.yellow(phase);
    default:
      return c.dim(phase);
  }
}

const short = (revision: string | undefined) =>
  revision ? revision.replace(/([0-9a-f]{12})[0-9a-f]{28}$/, '$1') : '';
const why = (reason: string, message: string) => `${reason}: ${message}`;

function suiteRows(views: SuiteView[], allNamespaces: boolean, c: Colors): string[][] {
  return views.map((v) => [
    ...(allNamespaces ? [v.namespace] : []),
    v.name,
    phaseColor(c, v.phase),
    String(v.round),
    v.progress,
    v.ready ? `${v.ready.status}` : '',
    short(v.sourceRevision),
    v.nextScheduleTime ?? '',
  ]);
}

function printList(io: Io, views: SuiteView[], allNamespaces: boolean) {
  if (views.length === 0) {
    io.stdout.write('no BenchmarkSuites\n');
    return;
  }
  const header = [
    ...(allNamespaces ? ['NAMESPACE'] : []),
    'NAME',
    'PHASE',
    'ROUND',
    'PROGRESS',
    'READY',
    'REVISION',
    'NEXT RUN',
  ];
  const rows = suiteRows(views, allNamespaces, io.out);
  const lines = table(header, rows).split('\n');
  io.stdout.write(`${lines[0]}\n`);
  views.forEach((v, i) => {
    io.stdout.write(`${lines[i + 1]}\n`);
    if (v.stalled)
      io.stdout.write(`  ${io.out.red('stalled')} ${why(v.stalled.reason, v.stalled.message)}\n`);
    for (const w of v.waiting.slice(0, WAITING_IN_LIST)) {
      io.stdout.write(`  ${io.out.yellow(w.state.toLowerCase())} ${w.run}: ${why(w.reason, w.message)}\n`);
    }
    if (v.waiting.length > WAITING_IN_LIST) {
      io.stdout.write(`  … ${v.waiting.length - WAITING_IN_LIST} more waiting (benchctl status ${v.name})\n`);
    }
  });
}

function runRow(run: RunStatus, c: Colors): string[] {
  const score = run.result?.score !== undefined ? `score ${run.result.score}` : '';
  const detail = run.reason ? why(run.reason, run.message ?? '') : score;
  return [
    run.name,
    phaseColor(c, run.state),
    String(run.attempt),
    run.provider ?? '',
    run.model ?? '',
    detail,
  ];
}

function printSuite(io: Io, v: SuiteView) {
  const c = io.out;
  const facts = [
    phaseColor(c, v.phase),
    `round ${v.round}`,
    ...(v.progress ? [`${v.progress} finished`] : []),
    ...(v.sourceRevision ? [`revision ${v.sourceRevision}`] : []),
    ...(v.suspended ? [c.dim('suspended')] : []),
  ];
  io.stdout.write(`${c.bold(`BenchmarkSuite ${v.namespace}/${v.name}`)}  ${facts.join('  ')}\n`);
  if (v.ready) io.stdout.write(`  Ready=${v.ready.status} ${why(v.ready.reason, v.ready.message)}\n`);
  if (v.stalled) io.stdout.write(`  ${c.red('Stalled')} ${why(v.stalled.reason, v.stalled.message)}\n`);
  if (v.nextScheduleTime) io.stdout.write(`  next round ${v.nextScheduleTime}\n`);
  if (v.runs.length === 0) return;
  io.stdout.write('\n');
  io.stdout.write(
    table(
      ['RUN', 'STATE', 'ATTEMPT', 'PROVIDER', 'MODEL', 'WHY / RESULT'],
      v.runs.map((r) => runRow(r, c)),
    ),
  );
}

export function registerStatus(program: Command, ctx: CliContext, wrap: Wrap): Command {
  return program
    .command('status')
    .summary('suites, rounds and runs in the cluster, and why runs wait')
    .description(
      'Show BenchmarkSuites from the cluster: phase, round, progress, revision, and for every run that waits, why. ' +
        'With a suite: its runs one by one.',
    )
    .argument('[suite]', 'one BenchmarkSuite')
    .option('-A, --all-namespaces', 'suites of every namespace')
    .addOption(outputOption(['text', 'json'], 'text'))
    .action(
      wrap(
        async (
          name: string | undefined,
          options: { allNamespaces?: boolean; output: string },
          command: Command,
        ): Promise<ExitCode> => {
          const cluster = await connect(globalOptions(command));
          const suites = name
            ? [
                await fromCluster(cluster, `BenchmarkSuite ${name}`, () =>
                  cluster.client.get<SuiteObject>(benchmarkSuiteType, cluster.namespace, name),
                ),
              ]
            : (
                await fromCluster(cluster, 'BenchmarkSuites', () =>
                  cluster.client.list<SuiteObject>(
                    benchmarkSuiteType,
                    options.allNamespaces ? {} : { namespace: cluster.namespace },
                  ),
                )
              ).items;
          const views = suites
            .map((s) => suiteView(s))
            .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
          if (options.output === 'json') printJson(ctx.io, name ? views[0] : { suites: views });
          else if (name) printSuite(ctx.io, views[0]!);
          else printList(ctx.io, views, options.allNamespaces === true);
          return EXIT.ok;
        },
      ),
    );
}
