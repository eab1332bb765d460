import { describe, expect, it } from 'vitest';
import type { RoundRun } from '../api/index.ts';
import { CliError, EXIT } from './errors.ts';
import { compareItems, compareTargetsByItems, itemOutcomes, type ItemRecords } from './item-comparison.ts';
import { COMPARISON_CSV_COLUMNS, type RoundRecord } from './round-results.ts';

/** Items q0…q(n−1) as bench-runner writes them, right but for `wrong`, failed for `failed`. */
function items(n: number, wrong: number[], failed: number[] = []): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) =>
    failed.includes(i)
      ? {
          index: i,
          line: i + 1,
          id: `q${i}`,
          status: 'failed',
          error: { kind: 'server', message: 'HTTP 500' },
        }
      : {
          index: i,
          line: i + 1,
          id: `q${i}`,
          status: 'answered',
          correct: !wrong.includes(i),
          latencyMs: 100 + i,
        },
  );
}

/** The items as a run of `count` shards wrote them: shard i has every count-th item, shard after shard. */
const sharded = (all: Record<string, unknown>[], count: number) =>
  Array.from({ length: count }, (_, shard) => all.filter((_, i) => i % count === shard)).flat();

const side = (target: string, records: ItemRecords) => ({
  run: { name: `qa-${target}`, target },
  items: records,
});

function findingOf(call: () => unknown): CliError {
  try {
    call();
  } catch (error) {
    if (error instanceof CliError) return error;
  }
  throw new Error('no CliError');
}

describe('itemOutcomes', () => {
  it('keys each scored item by its dataset id, else its line, and leaves out failed and unscored items', () => {
    const records = [
      { index: 0, line: 1, id: 'a', status: 'answered', correct: true },
      { index: 1, line: 2, id: 7, status: 'answered', correct: false },
      { index: 2, line: 4, status: 'answered', correct: true },
      { index: 3, line: 5, id: 'b', status: 'failed' },
      { index: 4, line: 6, id: 'c', status: 'answered' },
    ];
    expect(itemOutcomes('qa-local', records)).toEqual({ a: true, '7': false, 'line 4': true });
  });

  it('refuses items it cannot tell apart', () => {
    const twice = findingOf(() =>
      itemOutcomes('qa-local', [
        { line: 1, id: 'a', status: 'answered', correct: true },
        { line: 2, id: 'a', status: 'answered', correct: false },
      ]),
    );
    expect(twice.exitCode).toBe(EXIT.findings);
    expect(twice.message).toBe(
      'run qa-local: two items are "a" (items are paired by their dataset id, which must be unique)',
    );
    expect(findingOf(() => itemOutcomes('qa-local', [{ status: 'answered', correct: true }])).message).toBe(
      'run qa-local: item 1 of its items.jsonl has neither an id nor a dataset line',
    );
  });
});

describe('compareItems', () => {
  it('pairs runs of different shardings on the items both answered, counting the ones left out', () => {
    // 40 items; candidate wrong on 3 and failed on 39, production wrong on 5…10 and failed on 0.
    const candidate = sharded(items(40, [3], [39]), 2);
    const production = items(40, [3, 5, 6, 7, 8, 9, 10], [0]);
    const row = compareItems('qa', side('candidate', candidate), side('production', production));
    // Both answered q1…q38: candidate wrong on q3 (37/38), production on q3 and q5…q10 (31/38);
    // right only in candidate: q5…q10 (6), only in production: none.
    expect(row).toMatchObject({
      benchmark: 'qa',
      a: 'candidate',
      b: 'production',
      possible: true,
      paired: true,
      method: 'mcnemar-exact',
    });
    expect(row.difference).toBeCloseTo(37 / 38 - 31 / 38, 12);
    // McNemar's exact test of 6 against 0: 2 · ½⁶.
    expect(row.pValue).toBeCloseTo(2 / 2 ** 6, 12);
    expect(row.low!).toBeLessThan(row.difference!);
    expect(row.high!).toBeGreaterThan(row.difference!);
    expect(row.low!).toBeGreaterThan(0);
    expect(row.text).toBe(
      `qa: candidate 0.974 vs production 0.816, +0.158 (95% CI ${row.low!.toFixed(3)}…${row.high!.toFixed(3)}), ` +
        'McNemar p = 0.031; paired on the 38 items both have (1 item only in candidate, 1 item only in production left out)',
    );
    expect(Object.keys(row).sort()).toEqual([...COMPARISON_CSV_COLUMNS].sort());
  });

  it('compares unpaired, and says so, when the runs have no item in common', () => {
    const other = items(4, [0]).map((item) => ({ ...item, id: `other-${String(item.id)}` }));
    const row = compareItems('qa', side('candidate', items(4, [])), side('production', other));
    expect(row).toMatchObject({
      possible: true,
      paired: false,
      method: 'unpaired-bootstrap',
      difference: 0.25,
    });
    expect(row.text).toMatch(
      /unpaired bootstrap p = [\d.]+; not paired: 4 items only in candidate, 4 items only in production$/,
    );
  });

  it('cannot compare a run without a scored item', () => {
    const unscored = items(3, []).map(({ correct: _correct, ...item }) => item);
    const row = compareItems('qa', side('candidate', items(3, [])), side('production', unscored));
    expect(row).toMatchObject({ possible: false, method: null, difference: null });
    expect(row.text).toBe(
      "qa: candidate vs production: comparison not possible: production's run has no scored item in its artifacts",
    );
  });
});

describe('compareTargetsByItems', () => {
  const run = (benchmark: string, target: string, state: RoundRun['state'] = 'Succeeded'): RoundRun => ({
    name: `${benchmark}-${target}`,
    benchmark,
    target,
    state,
    attempt: 1,
    result: { score: 0.5 },
  });
  const record: RoundRecord = {
    spec: {
      suite: 'nightly',
      round: 3,
      phase: 'Failed',
      runs: [
        run('qa', 'candidate'),
        run('qa', 'production'),
        run('math', 'candidate', 'Failed'),
        run('math', 'production'),
        run('code', 'candidate'),
      ],
    },
  };

  it('compares each benchmark both targets ran, reading only the runs it compares', async () => {
    const read: string[] = [];
    const rows = await compareTargetsByItems(record, 'candidate', 'production', (r) => {
      read.push(r.name);
      return Promise.resolve(items(10, r.target === 'candidate' ? [] : [1, 2]));
    });
    expect(read).toEqual(['qa-candidate', 'qa-production']);
    expect(rows.map((r) => [r.benchmark, r.possible, r.method])).toEqual([
      ['qa', true, 'mcnemar-exact'],
      ['math', false, null],
    ]);
    expect(rows[0]!.difference).toBeCloseTo(0.2, 12);
    expect(rows[1]!.text).toBe(
      "math: candidate vs production: comparison not possible: candidate's run failed",
    );
  });

  it("passes on the reader's error for a run without artifacts", async () => {
    const missing = new CliError(
      'BenchmarkRound nightly-3 records no artifacts for run qa-candidate',
      EXIT.findings,
    );
    await expect(
      compareTargetsByItems(record, 'candidate', 'production', () => Promise.reject(missing)),
    ).rejects.toBe(missing);
  });
});
