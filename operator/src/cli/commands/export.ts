// benchctl export <suite>: a finished round's run artifacts (docs/results.md#artifacts), read from
// the object store its BenchmarkRound record names, as lm-evaluation-harness results files, JSON
// lines or CSV, on stdout or into a folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { RoundRun } from '../../api/index.ts';
import type { S3Client } from '@aws-sdk/client-s3';
import { connect } from '../cluster.ts';
import { suiteRecords } from '../suite-records.ts';
import { parseRound, roundOption, s3EndpointOption, type Wrap } from '../command.ts';
import { globalOptions, type CliContext } from '../context.ts';
import { EXIT, findingError, type ExitCode } from '../errors.ts';
import {
  itemRecords,
  itemRow,
  ITEM_CSV_COLUMNS,
  mergeShardResults,
  type ShardArtifacts,
} from '../export-formats.ts';
import { warn } from '../output.ts';
import { csv, pickRound } from '../round-results.ts';

const HELP = `
Formats:
  lm-eval  each run's results.json, its shards merged (metrics weighted by n-samples), in
           lm-evaluation-harness's results shape: with --output DIR, DIR/<run>/results.json;
           on stdout, one JSON object of the runs by name.
  jsonl    every item of every run and shard, one JSON line each, with run, benchmark, target,
           model and shard added: DIR/items.jsonl, or stdout.
  csv      one row per item, RFC 4180 (CRLF line ends): DIR/items.csv, or stdout. Columns:
           ${ITEM_CSV_COLUMNS.join(', ')}.

The artifacts are read from the store the record names, with your AWS credentials
(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or AWS_PROFILE) and the store's URL from --s3-endpoint,
AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (else AWS S3). Runs that did not succeed and wrote nothing
are left out with a warning.`;

interface ExportOptions {
  round?: string;
  run?: string;
  format: 'lm-eval' | 'jsonl' | 'csv';
  output: string;
  s3Endpoint?: string;
}

export function registerExport(program: Command, ctx: CliContext, wrap: Wrap): Command {
  return program
    .command('export')
    .summary('a finished round’s run artifacts (items, lm-eval results) from the object store')
    .description(
      'Export the artifacts of a suite’s latest finished round (or --round N) that its runs wrote to the ' +
        'artifact store: lm-evaluation-harness results, or every item as JSON lines or CSV.',
    )
    .argument('<suite>', 'the BenchmarkSuite’s name')
    .addOption(roundOption())
    .option('--run <name>', 'only this run (<benchmark>-<target>)')
    .addOption(
      new Option('--format <format>', 'what to export')
        .choices(['lm-eval', 'jsonl', 'csv'])
        .makeOptionMandatory(),
    )
    .option('--output <dir>', 'a folder to write into, or - for stdout', '-')
    .addOption(s3EndpointOption())
    .addHelpText('after', HELP)
    .action(
      wrap(async (name: string, options: ExportOptions, command: Command): Promise<ExitCode> => {
        const round = options.round === undefined ? undefined : parseRound(options.round);
        const cluster = await connect(globalOptions(command));
        const records = await suiteRecords(cluster, name);
        const record = pickRound(name, records, round);
        const recordName = `${name}-${record.spec.round}`;
        const runs = selectRuns(recordName, record.spec.runs ?? [], options.run);
        // Loaded when needed: the S3 client takes a while to import, and other commands do without it.
        const reader = await import('../artifact-reader.ts');
        const client = reader.storeClient(options.s3Endpoint, ctx.env);
        try {
          const read: Array<{ run: RoundRun; shards: ShardArtifacts[] }> = [];
          for (const run of runs) {
            const shards = await readOrSkip(
              ctx,
              reader,
              client,
              recordName,
              run,
              options.format !== 'lm-eval',
            );
            if (shards) read.push({ run, shards });
          }
          write(ctx, options, read);
        } finally {
          client.destroy();
        }
        return EXIT.ok;
      }),
    );
}

function selectRuns(recordName: string, runs: RoundRun[], wanted: string | undefined): RoundRun[] {
  if (wanted === undefined) return runs;
  const run = runs.find((r) => r.name === wanted);
  if (!run) {
    throw findingError(
      `BenchmarkRound ${recordName} has no run ${wanted}; runs: ${runs.map((r) => r.name).join(', ')}`,
    );
  }
  return [run];
}

/** A run that did not succeed may have written nothing (it failed before its items): left out, with a warning. */
async function readOrSkip(
  ctx: CliContext,
  reader: typeof import('../artifact-reader.ts'),
  client: S3Client,
  recordName: string,
  run: RoundRun,
  items: boolean,
): Promise<ShardArtifacts[] | undefined> {
  try {
    return await reader.readRunArtifacts(client, recordName, run, { items });
  } catch (error) {
    if (run.state === 'Succeeded' || !(error instanceof reader.NoArtifactsError)) throw error;
    warn(ctx.io, `run ${run.name} (${run.state}) left no artifacts: left out`);
    return undefined;
  }
}

function write(
  ctx: CliContext,
  options: ExportOptions,
  runs: Array<{ run: RoundRun; shards: ShardArtifacts[] }>,
) {
  const toStdout = options.output === '-';
  const save = (file: string, text: string) => {
    const target = path.join(options.output, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
  };
  if (options.format === 'lm-eval') {
    const merged = runs.map(
      ({ run, shards }) => [run.name, mergeShardResults(shards.map((s) => s.results))] as const,
    );
    if (toStdout) ctx.io.stdout.write(`${JSON.stringify(Object.fromEntries(merged), null, 2)}\n`);
    else
      for (const [run, results] of merged)
        save(path.join(run, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  const records = runs.flatMap(({ run, shards }) => itemRecords(run, shards));
  const text =
    options.format === 'jsonl'
      ? records.map((r) => `${JSON.stringify(r)}\n`).join('')
      : csv(records.map(itemRow), [...ITEM_CSV_COLUMNS]);
  if (toStdout) ctx.io.stdout.write(text);
  else save(options.format === 'jsonl' ? 'items.jsonl' : 'items.csv', text);
}
