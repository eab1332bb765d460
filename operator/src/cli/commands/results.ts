// benchctl results <suite>: a finished round's runs from its BenchmarkRound record (which outlives
// the suite's status, its Jobs and Events), with each score's interval, and optionally two targets
// compared benchmark by benchmark: from the record, or item by item from the runs' artifacts.
import type { Command } from 'commander';
import { connect } from '../cluster.ts';
import { suiteRecords } from '../suite-records.ts';
import { outputOption, parseRound, roundOption, s3EndpointOption, type Wrap } from '../command.ts';
import { globalOptions, type CliContext } from '../context.ts';
import { EXIT, usageError, type ExitCode } from '../errors.ts';
import { printJson, table } from '../output.ts';
import {
  COMPARISON_CSV_COLUMNS,
  compareTargets,
  csv,
  pickRound,
  RESULT_CSV_COLUMNS,
  RESULT_HEADER,
  resultCells,
  resultRow,
  resultsJson,
  roundLine,
  type ComparisonRow,
  type RoundRecord,
} from '../round-results.ts';
import { compareTargetsByItems } from '../item-comparison.ts';

const OUTPUT_HELP = `
Output:
  -o json   {suite, round, sourceRevision, phase, runs: [{run, benchmark, target, provider, model,
            state, score, low, high, items, cost}], comparisons?: [{benchmark, a, b, possible,
            paired, method, difference, low, high, pValue, text}]}; null where a value is absent.
  -o csv    RFC 4180, CRLF line ends: a header row and one row per run (the runs' keys above);
            with --compare, an empty line, then a header row and one row per comparison.

--compare A B compares the two targets' scores on each benchmark both ran (A − B, 95% interval,
two-sided p-value), and each line says how (method):
  paired McNemar  both runs' records kept per-item outcomes over the same items: McNemar's exact
                  test and Newcombe's paired interval, over the items both answered
  unpaired        both scores are shares of counted items (correctItems of answeredItems), but
                  the runs cannot be paired (the line says why): Newcombe's interval for two
                  independent shares and the pooled two-proportion z-test
  values only     a score is not a share of counted items: the difference alone, no interval
                  or test
A run that did not succeed, or has no score, cannot be compared: the line says so.

--items compares from the runs' items in the artifact store instead (every shard's items.jsonl,
read as benchctl export reads them: your AWS credentials, --s3-endpoint, AWS_ENDPOINT_URL_S3 or
AWS_ENDPOINT_URL), item by item by dataset id (else line), leaving out items that failed or were
not scored. The runs are paired on the items both answered, whatever their sharding, and the line
counts the items only one run has (method):
  mcnemar-exact       some item both answered: McNemar's exact test and Newcombe's paired
                      interval, over the items both answered
  unpaired-bootstrap  no item in common: a seeded bootstrap of each run's items alone
A run without artifacts (no store when the round ran, or expired) is an error, as for benchctl
export.`;

interface ResultsOptions {
  round?: string;
  compare?: string[];
  items?: boolean;
  s3Endpoint?: string;
  output: string;
}

export function registerResults(program: Command, ctx: CliContext, wrap: Wrap): Command {
  return program
    .command('results')
    .summary('a finished round’s scores with their intervals, from its BenchmarkRound record')
    .description(
      'Show the runs of a suite’s latest finished round (or --round N) from its BenchmarkRound record: model ' +
        'used, state, score, 95% interval, items, cost. --compare A B adds a verdict per benchmark both targets ran; ' +
        'with --items, from the runs’ items in the artifact store.',
    )
    .argument('<suite>', 'the BenchmarkSuite’s name')
    .addOption(roundOption())
    .option('--compare <targets...>', 'two targets to compare, e.g. --compare candidate production')
    .option('--items', 'compare item by item from the runs’ artifacts (items.jsonl) instead of the record')
    .addOption(s3EndpointOption())
    .addOption(outputOption(['table', 'json', 'csv'], 'table'))
    .addHelpText('after', OUTPUT_HELP)
    .action(
      wrap(async (name: string, options: ResultsOptions, command: Command): Promise<ExitCode> => {
        const round = options.round === undefined ? undefined : parseRound(options.round);
        if (options.compare && options.compare.length !== 2) {
          throw usageError(`--compare takes two targets, got ${options.compare.length}`);
        }
        if (options.items && !options.compare) throw usageError('--items needs --compare A B');
        const cluster = await connect(globalOptions(command));
        const records = await suiteRecords(cluster, name);
        const record = pickRound(name, records, round);
        const [a, b] = options.compare ?? [];
        const comparisons =
          a === undefined || b === undefined
            ? undefined
            : options.items
              ? await compareFromArtifacts(ctx, `${name}-${record.spec.round}`, record, [a, b], options)
              : compareTargets(record, a, b);
        print(ctx, record, comparisons, options.output, a, b);
        return EXIT.ok;
      }),
    );
}

/** Both targets' runs compared from their items, read from the store as benchctl export reads them. */
async function compareFromArtifacts(
  ctx: CliContext,
  recordName: string,
  record: RoundRecord,
  [a, b]: [string, string],
  options: ResultsOptions,
): Promise<ComparisonRow[]> {
  // Loaded when needed: the S3 client takes a while to import, and the record alone does without it.
  const reader = await import('../artifact-reader.ts');
  const client = reader.storeClient(options.s3Endpoint, ctx.env);
  try {
    return await compareTargetsByItems(record, a, b, async (run) => {
      const shards = await reader.readRunArtifacts(client, recordName, run, { items: true });
      return shards.flatMap((shard) => shard.items ?? []);
    });
  } finally {
    client.destroy();
  }
}

function print(
  ctx: CliContext,
  record: RoundRecord,
  comparisons: ComparisonRow[] | undefined,
  format: string,
  a: string | undefined,
  b: string | undefined,
) {
  const out = ctx.io.stdout;
  const rows = (record.spec.runs ?? []).map(resultRow);
  if (format === 'json') {
    printJson(ctx.io, resultsJson(record, comparisons));
    return;
  }
  if (format === 'csv') {
    out.write(csv(rows, RESULT_CSV_COLUMNS));
    if (comparisons) out.write(`\r\n${csv(comparisons, COMPARISON_CSV_COLUMNS)}`);
    return;
  }
  out.write(table(RESULT_HEADER, rows.map(resultCells)));
  out.write(`${roundLine(record)}\n`);
  if (!comparisons) return;
  out.write('\n');
  if (comparisons.length === 0) out.write(`no benchmark ran against both ${a} and ${b} in this round\n`);
  for (const comparison of comparisons) out.write(`${comparison.text}\n`);
}
