import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunState } from '../suite/run-state.ts';
import {
  schedule,
  type Decision,
  type ProviderSnapshot,
  type RunPlacement,
  type SchedulingSnapshot,
  type SuiteSnapshot,
} from './engine.ts';
import { EXACT_QUEUE_PLACES, placeInLine } from './pass-usage.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const PROVIDERS = ['ns/p0', 'ns/p1', 'ns/p2'];
const POLICIES = ['ns/pol0', 'ns/pol1'];

function run(name: string, state: 'Queued' | 'Running', provider: string): RunState {
  return {
    spec: {
      name,
      order: 0,
      benchmark: { name: 'b' },
      target: { name: 't', providerRef: provider.split('/')[1]!, model: 'm' },
    },
    state,
    reason: state,
    message: '',
    attempt: state === 'Running' ? 1 : 0,
    admissible: state === 'Queued',
    ...(state === 'Running' ? { provider: provider.split('/')[1]! } : {}),
  };
}

/** Suite ns/s with its runs all placed on provider ns/p0 (model m). */
function suiteOnP0(runs: RunState[], extra: Partial<SuiteSnapshot> = {}): SuiteSnapshot {
  return {
    key: 'ns/s',
    namespace: 'ns',
    createdAt: 0,
    priority: 0,
    runs,
    placements: runs.map(() => ({ provider: 'ns/p0', model: 'm' })),
    ...extra,
  };
}

const suiteArb = (index: number) =>
  fc
    .record({
      priority: fc.integer({ min: -2, max: 2 }),
      maxConcurrentRuns: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      policy: fc.option(fc.constantFrom(...POLICIES), { nil: undefined }),
      runs: fc.array(
        fc.record({
          provider: fc.constantFrom(...PROVIDERS),
          running: fc.boolean(),
          judge: fc.option(fc.constantFrom(...PROVIDERS), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      createdAt: fc.integer({ min: 0, max: 1000 }),
    })
    .map((s): SuiteSnapshot => {
      const runs = s.runs.map((r, i) => run(`r${i}`, r.running ? 'Running' : 'Queued', r.provider));
      return {
        key: `ns/s${index}`,
        namespace: 'ns',
        createdAt: s.createdAt,
        priority: s.priority,
        maxConcurrentRuns: s.maxConcurrentRuns,
        schedulePolicy: s.policy,
        runs,
        placements: s.runs.map((r) => ({ provider: r.provider, model: 'm', judge: r.judge })),
      };
    });

const providerArb: fc.Arbitrary<ProviderSnapshot> = fc.record({
  maxConcurrentRuns: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  circuit: fc.record({
    state: fc.constantFrom('Closed' as const, 'Open' as const, 'HalfOpen' as const),
    openUntil: fc.constant(NOW + 60_000),
    halfOpenMaxRuns: fc.integer({ min: 1, max: 2 }),
  }),
  failover: fc.constant([]),
});

const snapshotArb: fc.Arbitrary<SchedulingSnapshot> = fc
  .record({
    suites: fc
      .integer({ min: 1, max: 6 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => suiteArb(i)))),
    providers: fc.tuple(providerArb, providerArb, providerArb),
    policyCaps: fc.tuple(
      ...POLICIES.map(() => fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined })),
    ),
    maxActiveRuns: fc.option(fc.integer({ min: 1, max: 16 }), { nil: undefined }),
  })
  .map(({ suites, providers, policyCaps, maxActiveRuns }) => ({
    now: NOW,
    suites,
    providers: new Map(PROVIDERS.map((p, i) => [p, providers[i]!])),
    policies: new Map(POLICIES.map((p, i) => [p, { maxConcurrentRuns: policyCaps[i] }])),
    maxActiveRuns,
  }));

const admitted = (decisions: Decision[]) => decisions.filter((d) => d.type === 'admit');

/** The placement of the suite's run `name`. */
function placementOf(suite: SuiteSnapshot, name: string): RunPlacement {
  return suite.placements[suite.runs.findIndex((r) => r.spec.name === name)]!;
}

function usage(snapshot: SchedulingSnapshot, decisions: Decision[]) {
  const byProvider = new Map<string, number>();
  const byPolicy = new Map<string, number>();
  const bySuite = new Map<string, number>();
  // Every run counts against the operator's own cap: one key.
  const byOperator = new Map<string, number>();
  const add = (map: Map<string, number>, key: string | undefined) =>
    key && map.set(key, (map.get(key) ?? 0) + 1);
  // A run takes a slot of its judge's provider too, when that is another.
  const addJudge = (judge: string | undefined, provider: string) => {
    if (judge !== provider) add(byProvider, judge);
  };
  for (const suite of snapshot.suites) {
    for (const r of suite.runs.filter((x) => x.state === 'Running')) {
      const placement = placementOf(suite, r.spec.name);
      add(byProvider, placement.provider);
      addJudge(placement.judge, placement.provider);
      add(byPolicy, suite.schedulePolicy);
      add(bySuite, suite.key);
      add(byOperator, OPERATOR);
    }
  }
  const before = {
    provider: new Map(byProvider),
    policy: new Map(byPolicy),
    suite: new Map(bySuite),
    operator: new Map(byOperator),
  };
  for (const d of admitted(decisions)) {
    if (d.type !== 'admit') continue;
    const suite = snapshot.suites.find((s) => s.key === d.suite)!;
    add(byProvider, d.provider);
    addJudge(placementOf(suite, d.run).judge, d.provider);
    add(byPolicy, suite.schedulePolicy);
    add(bySuite, suite.key);
    add(byOperator, OPERATOR);
  }
  return { before, after: { provider: byProvider, policy: byPolicy, suite: bySuite, operator: byOperator } };
}

const OPERATOR = 'operator';

describe('scheduling engine (properties)', () => {
  it('never exceeds a provider (as target or judge), policy, suite or operator cap that was not already exceeded', () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        const { decisions } = schedule(snapshot);
        const { before, after } = usage(snapshot, decisions);
        for (const [key, provider] of snapshot.providers) {
          const halfOpen = provider.circuit?.state === 'HalfOpen';
          const cap = halfOpen
            ? Math.min(provider.maxConcurrentRuns ?? Infinity, provider.circuit!.halfOpenMaxRuns)
            : provider.maxConcurrentRuns;
          if (cap === undefined) continue;
          expect(after.provider.get(key) ?? 0).toBeLessThanOrEqual(
            Math.max(cap, before.provider.get(key) ?? 0),
          );
          if ((before.provider.get(key) ?? 0) >= cap)
            expect(after.provider.get(key) ?? 0).toBe(before.provider.get(key) ?? 0);
        }
        for (const [key, policy] of snapshot.policies) {
          if (policy.maxConcurrentRuns === undefined) continue;
          expect(after.policy.get(key) ?? 0).toBeLessThanOrEqual(
            Math.max(policy.maxConcurrentRuns, before.policy.get(key) ?? 0),
          );
        }
        for (const suite of snapshot.suites) {
          if (suite.maxConcurrentRuns === undefined) continue;
          expect(after.suite.get(suite.key) ?? 0).toBeLessThanOrEqual(
            Math.max(suite.maxConcurrentRuns, before.suite.get(suite.key) ?? 0),
          );
        }
        if (snapshot.maxActiveRuns !== undefined)
          expect(after.operator.get(OPERATOR) ?? 0).toBeLessThanOrEqual(
            Math.max(snapshot.maxActiveRuns, before.operator.get(OPERATOR) ?? 0),
          );
      }),
      { numRuns: 300 },
    );
  });

  it('admits nothing on a provider whose circuit is open, and only admissible runs', () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        for (const d of admitted(schedule(snapshot).decisions)) {
          if (d.type !== 'admit') continue;
          expect(snapshot.providers.get(d.provider)?.circuit?.state).not.toBe('Open');
          const run = snapshot.suites
            .find((s) => s.key === d.suite)!
            .runs.find((r) => r.spec.name === d.run)!;
          expect(run.admissible).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never admits a lower-priority run onto a provider (as target or judge) for which a higher-priority run was left waiting', () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        const { decisions } = schedule(snapshot);
        const priorityOf = (suite: string) => snapshot.suites.find((s) => s.key === suite)!.priority;
        for (const deferred of decisions) {
          if (deferred.type !== 'defer' || deferred.reason !== 'ProviderCapacity') continue;
          const placementIn = (suite: string, run: string) =>
            placementOf(
              snapshot.suites.find((s) => s.key === suite)!,
              run,
            );
          const waiting = placementIn(deferred.suite, deferred.run);
          // The provider whose capacity held it back: its judge's, when the message says so.
          const full = deferred.message.startsWith('judge: ') ? waiting.judge : waiting.provider;
          for (const a of decisions) {
            if (a.type !== 'admit') continue;
            const uses = [a.provider, placementIn(a.suite, a.run).judge];
            if (uses.includes(full))
              expect(priorityOf(a.suite)).toBeGreaterThanOrEqual(priorityOf(deferred.suite));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('stops at maxAdmissions: its decisions are those of the unbounded pass up to the next one after the last admission', () => {
    fc.assert(
      fc.property(snapshotArb, fc.integer({ min: 0, max: 6 }), (snapshot, maxAdmissions) => {
        const all = schedule(snapshot).decisions;
        const bounded = schedule({ ...snapshot, maxAdmissions });
        let admissions = 0;
        let end = all.length;
        for (let i = 0; i < all.length; i++) {
          if (admissions === maxAdmissions) {
            end = i;
            break;
          }
          if (all[i]!.type === 'admit') admissions++;
        }
        expect(bounded.decisions).toEqual(all.slice(0, end));
        expect(bounded.more ?? false, 'more: undecided runs are left').toBe(end < all.length);
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic: the same snapshot gives the same decisions', () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        expect(schedule(snapshot)).toEqual(schedule(snapshot));
      }),
      { numRuns: 100 },
    );
  });

  it('starves no suite among equal priorities: over repeated passes every queued run starts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 3 }), (suiteCount, cap) => {
        // Every suite has 6 queued runs on one provider with a small cap; admitted runs finish by the next pass.
        let suites: SuiteSnapshot[] = Array.from({ length: suiteCount }, (_, i) => {
          const runs = Array.from({ length: 6 }, (_, r) => run(`r${r}`, 'Queued', 'ns/p0'));
          return {
            key: `ns/s${i}`,
            namespace: 'ns',
            createdAt: i,
            priority: 0,
            runs,
            placements: runs.map(() => ({ provider: 'ns/p0', model: 'm' })),
          };
        });
        const started = new Map<string, number>();
        for (let pass = 0; pass < suiteCount * 6; pass++) {
          const { decisions } = schedule({
            now: NOW,
            suites,
            providers: new Map([['ns/p0', { maxConcurrentRuns: cap }]]),
            policies: new Map(),
          });
          const admittedNow = new Set(admitted(decisions).map((d) => `${d.suite}|${d.run}`));
          for (const key of admittedNow)
            started.set(key.split('|')[0]!, (started.get(key.split('|')[0]!) ?? 0) + 1);
          // Runs start in admission order, a moment apart, as their Jobs do.
          const order = [...admittedNow];
          suites = suites.map((s) => {
            const last = order.findLastIndex((key) => key.startsWith(`${s.key}|`));
            return {
              ...s,
              runs: s.runs.filter((r) => !admittedNow.has(`${s.key}|${r.spec.name}`)),
              ...(last >= 0 ? { lastAdmittedAt: NOW + pass * 1000 + last } : {}),
            };
          });
          // Fair share: after each pass, no two suites differ by more than the cap in runs started.
          const counts = suites.map((s) => started.get(s.key) ?? 0);
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(cap);
        }
        expect(suites.every((s) => s.runs.length === 0)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});

describe('scheduling engine (properties of each decision)', () => {
  it('decides once for every admissible run and for nothing else, a suite’s runs in run order', () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        const { decisions } = schedule(snapshot);
        for (const suite of snapshot.suites) {
          const decided = decisions.filter((d) => d.suite === suite.key).map((d) => d.run);
          expect(decided).toEqual(suite.runs.filter((r) => r.admissible).map((r) => r.spec.name));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('says, for each run a cap holds back, the use when it was decided and its place in that cap’s queue', () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        const { decisions } = schedule(snapshot);
        // Use as it grows along the decisions, from the runs already running (usage() above).
        const use = usage(snapshot, []).before;
        const bump = (map: Map<string, number>, key: string | undefined) =>
          key !== undefined && map.set(key, (map.get(key) ?? 0) + 1);
        const queued = new Map<string, number>();
        for (const d of decisions) {
          const suite = snapshot.suites.find((s) => s.key === d.suite)!;
          const placement = placementOf(suite, d.run);
          if (d.type === 'admit') {
            bump(use.provider, d.provider);
            if (placement.judge !== d.provider) bump(use.provider, placement.judge);
            bump(use.policy, suite.schedulePolicy);
            bump(use.suite, suite.key);
            bump(use.operator, OPERATOR);
            continue;
          }
          if (!d.capacity) continue;
          const [map, key] =
            d.reason === 'PolicyCapacity'
              ? [use.policy, `policy ${suite.schedulePolicy}`]
              : d.reason === 'SuiteCapacity'
                ? [use.suite, `suite ${suite.key}`]
                : d.reason === 'OperatorCapacity'
                  ? [use.operator, `operator ${OPERATOR}`]
                  : [
                      use.provider,
                      `provider ${d.message.startsWith('judge: ') ? placement.judge : placement.provider}`,
                    ];
          expect(d.capacity.inUse).toBe(map.get(key.slice(key.indexOf(' ') + 1)) ?? 0);
          const ahead = queued.get(key) ?? 0;
          queued.set(key, ahead + 1);
          expect(d.message.endsWith(placeInLine(ahead))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('scheduling engine (examples)', () => {
  describe('a judge', () => {
    /** Runs on p0 whose benchmark's judge is on `judge`. */
    const judged = (runs: RunState[], judge: string): SuiteSnapshot => ({
      ...suiteOnP0(runs),
      placements: runs.map(() => ({ provider: 'ns/p0', model: 'm', judge })),
    });

    it('takes a slot of its provider: a run waits while the judge’s provider is full, and says so', () => {
      const runs = [run('a', 'Running', 'ns/p0'), run('b', 'Queued', 'ns/p0')];
      const { decisions } = schedule({
        now: NOW,
        suites: [judged(runs, 'ns/j')],
        providers: new Map([
          ['ns/p0', { maxConcurrentRuns: 5 }],
          ['ns/j', { maxConcurrentRuns: 1 }],
        ]),
        policies: new Map(),
      });
      expect(decisions).toEqual([
        expect.objectContaining({
          type: 'defer',
          run: 'b',
          reason: 'ProviderCapacity',
          message: 'judge: 1 of 1 runs of provider j in use; first in line',
        }),
      ]);
    });

    it('holds runs back while the judge’s budget is spent, or its circuit open', () => {
      const runs = [run('a', 'Queued', 'ns/p0')];
      const spent = {
        limit: 10n,
        spent: 10n,
        reservePerRun: 1n,
        describe: '10 of 10 USD',
        resetsAt: NOW + 1000,
      };
      const budget = schedule({
        now: NOW,
        suites: [judged(runs, 'ns/j')],
        providers: new Map<string, ProviderSnapshot>([
          ['ns/p0', {}],
          ['ns/j', { budget: spent }],
        ]),
        policies: new Map(),
      });
      expect(budget.decisions[0]).toMatchObject({
        reason: 'BudgetExhausted',
      });
      expect(budget.decisions[0]!.message).toMatch(/^judge: provider j has spent/);
      const open = schedule({
        now: NOW,
        suites: [judged(runs, 'ns/j')],
        providers: new Map<string, ProviderSnapshot>([
          ['ns/p0', {}],
          ['ns/j', { circuit: { state: 'Open', openUntil: NOW + 60_000, halfOpenMaxRuns: 1 } }],
        ]),
        policies: new Map(),
      });
      expect(open.decisions[0]).toMatchObject({ reason: 'CircuitOpen' });
      expect(open.decisions[0]!.message).toMatch(/^judge: the circuit of provider j is open/);
    });

    it('counts one slot when the judge is at the run’s own provider, and reports the judge’s use on admission', () => {
      const same = schedule({
        now: NOW,
        suites: [judged([run('a', 'Queued', 'ns/p0'), run('b', 'Queued', 'ns/p0')], 'ns/p0')],
        providers: new Map([['ns/p0', { maxConcurrentRuns: 2 }]]),
        policies: new Map(),
      });
      expect(admitted(same.decisions).map((d) => d.run)).toEqual(['a', 'b']);
      const other = schedule({
        now: NOW,
        suites: [judged([run('a', 'Queued', 'ns/p0')], 'ns/j')],
        providers: new Map([
          ['ns/p0', { maxConcurrentRuns: 2 }],
          ['ns/j', { maxConcurrentRuns: 3 }],
        ]),
        policies: new Map(),
      });
      expect(other.decisions[0]).toMatchObject({
        type: 'admit',
        inputs: { capacity: { provider: { inUse: 0, limit: 2 }, judge: { inUse: 0, limit: 3 } } },
      });
    });
  });

  it('explains a wait with the capacity and the queue position', () => {
    const runs = [run('a', 'Running', 'ns/p0'), run('b', 'Queued', 'ns/p0'), run('c', 'Queued', 'ns/p0')];
    const suite = suiteOnP0(runs);
    const { decisions } = schedule({
      now: NOW,
      suites: [suite],
      providers: new Map([['ns/p0', { maxConcurrentRuns: 1 }]]),
      policies: new Map(),
    });
    expect(decisions).toEqual([
      {
        type: 'defer',
        suite: 'ns/s',
        run: 'b',
        reason: 'ProviderCapacity',
        message: '1 of 1 runs of provider p0 in use; first in line',
        priority: 0,
        capacity: { inUse: 1, limit: 1 },
      },
      {
        type: 'defer',
        suite: 'ns/s',
        run: 'c',
        reason: 'ProviderCapacity',
        message: '1 of 1 runs of provider p0 in use; 1 run ahead of this one',
        priority: 0,
        capacity: { inUse: 1, limit: 1 },
      },
    ]);
  });

  it('gives exact places in line near the front of a queue, and beyond it the power of ten of the runs ahead', () => {
    const waiting = 12_000;
    const runs = [
      run('a', 'Running', 'ns/p0'),
      ...Array.from({ length: waiting }, (_, i) => run(`r${i}`, 'Queued', 'ns/p0')),
    ];
    const { decisions } = schedule({
      now: NOW,
      suites: [suiteOnP0(runs)],
      providers: new Map([['ns/p0', { maxConcurrentRuns: 1 }]]),
      policies: new Map(),
    });
    const messages = decisions.map((d) => d.message);
    expect(messages).toHaveLength(waiting);
    const cap = '1 of 1 runs of provider p0 in use; ';
    expect(messages[0]).toBe(`${cap}first in line`);
    expect(messages[EXACT_QUEUE_PLACES - 1]).toBe(`${cap}99 runs ahead of this one`);
    expect(messages[EXACT_QUEUE_PLACES]).toBe(`${cap}100 or more runs ahead of this one`);
    expect(messages[999]).toBe(`${cap}100 or more runs ahead of this one`);
    expect(messages[1_000]).toBe(`${cap}1,000 or more runs ahead of this one`);
    expect(messages[10_000]).toBe(`${cap}10,000 or more runs ahead of this one`);
    // Runs behind the exact places keep their message while the queue moves up by one.
    expect(new Set(messages).size).toBe(EXACT_QUEUE_PLACES + 3);
  });

  it('fails over to the first failover provider with room while the circuit is open, mapping the model', () => {
    const runs = [run('a', 'Queued', 'ns/p0')];
    const suite: SuiteSnapshot = {
      key: 'ns/s',
      namespace: 'ns',
      createdAt: 0,
      priority: 0,
      runs,
      placements: [{ provider: 'ns/p0', model: 'gpt-4o' }],
    };
    const providers = new Map<string, ProviderSnapshot>([
      [
        'ns/p0',
        {
          circuit: { state: 'Open', openUntil: NOW + 1000, halfOpenMaxRuns: 1 },
          failover: [
            { provider: 'ns/p1', models: {} },
            { provider: 'ns/p2', models: { 'gpt-4o': 'claude-sonnet' } },
          ],
        },
      ],
      ['ns/p1', { maxConcurrentRuns: 0 }],
      ['ns/p2', {}],
    ]);
    const { decisions, nextWakeAt } = schedule({ now: NOW, suites: [suite], providers, policies: new Map() });
    expect(decisions[0]).toMatchObject({
      type: 'admit',
      provider: 'ns/p2',
      model: 'claude-sonnet',
      reason: 'FailedOver',
      inputs: {
        priority: 0,
        capacity: { provider: { inUse: 0 } },
        circuit: { state: 'Closed', target: 'Open' },
      },
    });
    expect(nextWakeAt).toBeUndefined();
  });

  it('fails over only to a provider whose allow-list has the model (the mapped one), saying why it skipped the others', () => {
    const runs = [run('a', 'Queued', 'ns/p0')];
    const suite: SuiteSnapshot = {
      key: 'ns/s',
      namespace: 'ns',
      createdAt: 0,
      priority: 0,
      runs,
      placements: [{ provider: 'ns/p0', model: 'gpt-4o' }],
    };
    const open = { state: 'Open' as const, openUntil: NOW + 1000, halfOpenMaxRuns: 1 };
    const providers = (p2Models: string[]) =>
      new Map<string, ProviderSnapshot>([
        [
          'ns/p0',
          {
            circuit: open,
            failover: [
              { provider: 'ns/p1', models: {} },
              { provider: 'ns/p2', models: { 'gpt-4o': 'claude-sonnet' } },
            ],
          },
        ],
        ['ns/p1', { models: ['claude-haiku'] }],
        ['ns/p2', { models: p2Models }],
      ]);
    const allowed = schedule({
      now: NOW,
      suites: [suite],
      providers: providers(['claude-sonnet']),
      policies: new Map(),
    });
    expect(allowed.decisions[0]).toMatchObject({ type: 'admit', provider: 'ns/p2', model: 'claude-sonnet' });
    const refused = schedule({
      now: NOW,
      suites: [suite],
      providers: providers(['claude-opus']),
      policies: new Map(),
    });
    expect(refused.decisions[0]).toMatchObject({ type: 'defer', reason: 'CircuitOpen' });
    expect((refused.decisions[0] as { message: string }).message).toContain(
      'no failover provider can take it (p1: model gpt-4o is not among the models it allows; p2: model claude-sonnet is not among the models it allows)',
    );
  });

  it('fails over a run whose model the failover allows after one whose model it does not', () => {
    const runs = [run('a', 'Queued', 'ns/p0'), run('b', 'Queued', 'ns/p0')];
    const { decisions } = schedule({
      now: NOW,
      suites: [
        {
          ...suiteOnP0(runs),
          placements: [
            { provider: 'ns/p0', model: 'm' },
            { provider: 'ns/p0', model: 'n' },
          ],
        },
      ],
      providers: new Map<string, ProviderSnapshot>([
        [
          'ns/p0',
          {
            circuit: { state: 'Open', openUntil: NOW + 1000, halfOpenMaxRuns: 1 },
            failover: [{ provider: 'ns/p1', models: {} }],
          },
        ],
        ['ns/p1', { models: ['n'] }],
      ]),
      policies: new Map(),
    });
    expect(decisions).toMatchObject([
      { run: 'a', type: 'defer', reason: 'CircuitOpen' },
      { run: 'b', type: 'admit', reason: 'FailedOver', provider: 'ns/p1', model: 'n' },
    ]);
  });

  it("counts Jobs of a suite's earlier rounds still running against the provider's cap", () => {
    const runs = [run('a', 'Queued', 'ns/p0'), run('b', 'Queued', 'ns/p0')];
    const suite = suiteOnP0(runs, { earlierRounds: new Map([['ns/p0', 2]]) });
    const providers = new Map<string, ProviderSnapshot>([['ns/p0', { maxConcurrentRuns: 3 }]]);
    const { decisions } = schedule({ now: NOW, suites: [suite], providers, policies: new Map() });
    expect(decisions.map((d) => d.type)).toEqual(['admit', 'defer']);
    expect(decisions[1]).toMatchObject({ reason: 'ProviderCapacity', capacity: { inUse: 3, limit: 3 } });
  });

  it("holds runs of every suite and provider behind the operator's own cap, counting earlier rounds' Jobs", () => {
    const first = suiteOnP0([run('a', 'Running', 'ns/p0'), run('b', 'Queued', 'ns/p0')], {
      earlierRounds: new Map([['ns/p0', 1]]),
    });
    const second: SuiteSnapshot = {
      ...suiteOnP0([run('c', 'Queued', 'ns/p1'), run('d', 'Queued', 'ns/p1')]),
      key: 'ns/t',
      createdAt: 1,
      placements: [
        { provider: 'ns/p1', model: 'm' },
        { provider: 'ns/p1', model: 'm' },
      ],
    };
    const { decisions, more } = schedule({
      now: NOW,
      suites: [first, second],
      providers: new Map([
        ['ns/p0', {}],
        ['ns/p1', {}],
      ]),
      policies: new Map(),
      maxActiveRuns: 3,
    });
    // Fair share: suite t has no run in use, so it goes first.
    expect(decisions[0]).toMatchObject({
      type: 'admit',
      run: 'c',
      inputs: { capacity: { provider: { inUse: 0 }, operator: { inUse: 2, limit: 3 } } },
    });
    expect(decisions.slice(1)).toEqual([
      {
        type: 'defer',
        suite: 'ns/t',
        run: 'd',
        reason: 'OperatorCapacity',
        message: '3 of 3 runs in use across the operator (its --scheduler-max-active-runs); first in line',
        priority: 0,
        capacity: { inUse: 3, limit: 3 },
      },
      {
        type: 'defer',
        suite: 'ns/s',
        run: 'b',
        reason: 'OperatorCapacity',
        message:
          '3 of 3 runs in use across the operator (its --scheduler-max-active-runs); 1 run ahead of this one',
        priority: 0,
        capacity: { inUse: 3, limit: 3 },
      },
    ]);
    // Runs held by the cap are decided, not left for another pass at once.
    expect(more).toBeUndefined();
  });

  it('holds back runs whose provider budget would be exceeded by the runs in flight', () => {
    const runs = [run('a', 'Running', 'ns/p0'), run('b', 'Queued', 'ns/p0')];
    const suite = suiteOnP0(runs);
    const budget = {
      limit: 10n,
      spent: 6n,
      reservePerRun: 4n,
      describe: '6 of its 10 USD',
      resetsAt: NOW + 3600_000,
    };
    const { decisions, nextWakeAt } = schedule({
      now: NOW,
      suites: [suite],
      providers: new Map([['ns/p0', { budget }]]),
      policies: new Map(),
    });
    expect(decisions[0]).toMatchObject({ type: 'defer', reason: 'BudgetExhausted' });
    expect(nextWakeAt).toBe(NOW + 3600_000);
  });

  it('wakes up when a suite-wide gate lifts', () => {
    const runs = [run('a', 'Queued', 'ns/p0')];
    const gated: SuiteSnapshot = {
      key: 'ns/s',
      namespace: 'ns',
      createdAt: 0,
      priority: 0,
      runs,
      placements: [{ provider: 'ns/p0', model: 'm' }],
      gate: { reason: 'OutsideWindow', message: 'outside the time windows', retryAt: NOW + 60_000 },
    };
    const { decisions, nextWakeAt } = schedule({
      now: NOW,
      suites: [gated],
      providers: new Map([['ns/p0', {}]]),
      policies: new Map(),
    });
    expect(decisions).toEqual([
      {
        type: 'defer',
        suite: 'ns/s',
        run: 'a',
        reason: 'OutsideWindow',
        message: 'outside the time windows',
        priority: 0,
      },
    ]);
    expect(nextWakeAt).toBe(NOW + 60_000);
  });

  it('defers a held run with its own reason, gives its slot to the next run and wakes when the hold ends', () => {
    const a = run('a', 'Queued', 'ns/p0');
    const b = run('b', 'Queued', 'ns/p0');
    const held: SuiteSnapshot = {
      key: 'ns/held',
      namespace: 'ns',
      createdAt: 0,
      priority: 5,
      runs: [a, b],
      placements: [
        { provider: 'ns/p0', model: 'm' },
        { provider: 'ns/p0', model: 'm' },
      ],
      holds: new Map([['a', { reason: 'JobRejected', message: 'refused: quota', until: NOW + 10_000 }]]),
    };
    const other: SuiteSnapshot = {
      key: 'ns/other',
      namespace: 'ns',
      createdAt: 1,
      priority: 0,
      runs: [{ ...run('c', 'Queued', 'ns/p0'), state: 'Retrying', admissible: false, retryAt: NOW + 5_000 }],
      placements: [{ provider: 'ns/p0', model: 'm' }],
    };
    const snapshot = (now: number): SchedulingSnapshot => ({
      now,
      suites: [held, other],
      providers: new Map([['ns/p0', { maxConcurrentRuns: 1 }]]),
      policies: new Map(),
    });
    const first = schedule(snapshot(NOW));
    expect(first.decisions).toEqual([
      {
        type: 'defer',
        suite: 'ns/held',
        run: 'a',
        reason: 'JobRejected',
        message: 'refused: quota',
        priority: 5,
      },
      expect.objectContaining({ type: 'admit', suite: 'ns/held', run: 'b' }),
    ]);
    // The other suite's retry is due first; the hold's end is the next wake-up after it.
    expect(first.nextWakeAt).toBe(NOW + 5_000);
    expect(schedule({ ...snapshot(NOW), suites: [held] }).nextWakeAt).toBe(NOW + 10_000);
    // Once the hold has ended the run is admitted like any other.
    const later = schedule({ ...snapshot(NOW + 10_000), suites: [held] });
    expect(later.decisions[0]).toMatchObject({ type: 'admit', run: 'a' });
    expect(later.nextWakeAt).toBeUndefined();
  });
});
