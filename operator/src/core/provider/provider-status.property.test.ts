// Whatever usage runners report (absurd token counts, shards' sums beyond any float), the
// ProviderPolicy status the operator writes from it is one the CRD accepts: the accounting and
// conditions as the providerpolicy reconciler puts them together, checked with the CRD's own
// schema (the generated validator).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_VERSION, type ProviderPolicy } from '../../api/index.ts';
import { validateManifest } from '../../validation/validate.ts';
import { account, type FinishedRun } from './accounting.ts';
import { providerConditions } from './conditions.ts';
import { formatMoney, MAX_AMOUNT, parseMoney } from './money.ts';

type Status = NonNullable<ProviderPolicy['status']>;

const NOW = Date.parse('2026-11-22T12:00:00Z');
const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** A decimal amount the CRD admits, the largest ones often. */
const amount = fc.oneof(
  fc.bigInt({ min: 0n, max: MAX_AMOUNT }).map(formatMoney),
  fc.constantFrom('0', '0.000000001', '2.5', formatMoney(MAX_AMOUNT)),
);
/** A token count as a runner (or shards added up) may report it. */
const tokens = fc.oneof(
  fc.nat(),
  fc.double(),
  fc.constantFrom(1e300, Number.MAX_VALUE, Number.POSITIVE_INFINITY, Number.NaN, -1, 2 ** 64),
);

const spec = fc.record({
  cost: fc.record({
    currency: fc.constantFrom('USD', 'EUR'),
    inputPerMillionTokens: amount,
    outputPerMillionTokens: amount,
  }),
  budget: fc.option(
    fc.record({ limit: amount, period: fc.constantFrom<'Day' | 'Week' | 'Month'>('Day', 'Week', 'Month') }),
    {
      nil: undefined,
    },
  ),
  circuitBreaker: fc.record({
    failureThreshold: fc.integer({ min: 1, max: 1000 }),
    cooldown: fc.constantFrom('1s', '5m', '1h30m'),
    halfOpenMaxRuns: fc.integer({ min: 1, max: 100 }),
  }),
});

const runs = fc.array(
  fc.record({
    job: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/),
    completionTime: fc.integer({ min: NOW - 3 * 86_400_000, max: NOW }).map(iso),
    outcome: fc.constantFrom<FinishedRun['outcome']>(
      'success',
      'providerFailure',
      'credentialsRejected',
      'other',
    ),
    usage: fc.option(fc.record({ inputTokens: tokens, outputTokens: tokens }, { requiredKeys: [] }), {
      nil: undefined,
    }),
  }),
  { maxLength: 30 },
);

/** The status as the providerpolicy reconciler writes it from the accounting. */
function statusOf(policy: ProviderPolicy, finished: FinishedRun[], now: number): Status {
  const accounting = account(policy.spec, policy.status, finished, now);
  const { conditions } = providerConditions(
    policy.status?.conditions ?? [],
    accounting,
    policy.spec,
    1,
    new Date(now),
  );
  const status: Status = {
    ...policy.status,
    observedGeneration: 1,
    conditions: conditions,
    circuit: accounting.circuit,
    activeRuns: 0,
    ...(accounting.spend ? { spend: accounting.spend } : {}),
    ...(accounting.accountedThrough ? { accountedThrough: accounting.accountedThrough } : {}),
  };
  if (!accounting.spend) delete status.spend;
  return status;
}

function expectAccepted(policy: ProviderPolicy): void {
  const wire = JSON.parse(JSON.stringify(policy)) as ProviderPolicy;
  expect(wire.status).toEqual(policy.status);
  expect(validateManifest(wire).errors).toEqual([]);
}

describe('the ProviderPolicy status, whatever usage the runs report (property)', () => {
  // Validating 2000 objects: generous for a loaded machine.
  it(
    'is accepted by the CRD’s schema, and spend that overflows still exhausts the budget',
    { timeout: 120_000 },
    () => {
      fc.assert(
        fc.property(spec, runs, runs, (s, first, second) => {
          const policy: ProviderPolicy = {
            apiVersion: API_VERSION,
            kind: 'ProviderPolicy',
            metadata: { name: 'p', namespace: 'ns', generation: 1 },
            spec: { provider: 'openai', ...s, ...(s.budget ? {} : { budget: undefined }) },
          };
          if (!s.budget) delete policy.spec.budget;
          const once = { ...policy, status: statusOf(policy, first, NOW - 60_000) };
          expectAccepted(once);
          const twice = { ...once, status: statusOf(once, [...first, ...second], NOW) };
          expectAccepted(twice);
          const spent = twice.status.spend?.amount;
          if (s.budget && spent !== undefined && parseMoney(spent) === MAX_AMOUNT) {
            expect(twice.status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
              status: 'False',
              reason: expect.stringMatching(/^(BudgetExhausted|CircuitOpen|CredentialsRejected)$/) as unknown,
            });
          }
        }),
        { numRuns: 1_000 },
      );
    },
  );
});
