// The verdicts of a suite's regression gates on its latest finished round, as its status keeps
// them, and the conditions they set: what a GitOps promotion waiting on the suite's health sees.
import type { BenchmarkSuite, Gate, GateOutcomes, GateStatus, RunStatus } from '../../api/v1alpha1/index.ts';
import type { ItemOutcomes } from '../../../../runner/src/contract/outcomes.ts';
import { setCondition, type Condition } from '../../meta/conditions.ts';
import { CONDITION_MESSAGE_LIMIT } from '../status/suite-status.ts';
import { shorten } from '../status/text.ts';
import { correctShare } from '../suite/correct-share.ts';
import { evaluateGate, type GateRunValue, type GateVerdict } from './evaluate.ts';

type SuiteStatus = NonNullable<BenchmarkSuite['status']>;

/** status.gates[].message's bound in the CRD. */
const GATE_MESSAGE_LENGTH = 512;

/** status.gates[].outcomes.items' bound in the CRD: a previousRound gate pairs rounds up to it. */
export const GATE_OUTCOMES_MAX_ITEMS = 8192;

/**
 * How far a score may be from its counts' share and still be that share: bench-runner writes
 * accuracy to 4 places (runner/src/evaluate/summary.ts), and a sharded run's score is the weighted
 * mean of its shards' rounded ones.
 */
export const SHARE_TOLERANCE = 1e-4;

/** Runs' per-item outcomes by run name: kept in memory from the runs' results, not in status. */
export type RunOutcomes = ReadonlyMap<string, ItemOutcomes>;

export interface RoundGates {
  /** status.gates: undefined when the suite has no gates. */
  gates: GateStatus[] | undefined;
  /** The verdicts reached in this reconcile (each is recorded once, as a decision). */
  judged: Array<{ gate: Gate; verdict: GateVerdict }>;
}

/**
 * The gates' verdicts for `status` (the one just computed). A round is judged once, when it has
 * finished; the verdicts stay (and a gate's value is the next round's previousRound baseline)
 * until the next round finishes. A gate no longer in the spec goes. With the runs' per-item
 * outcomes, runs over the same items are compared pair by pair; the candidate's are kept with the
 * verdict (up to GATE_OUTCOMES_MAX_ITEMS items) for the next round's previousRound comparison.
 */
export function roundGates(
  suite: BenchmarkSuite,
  status: SuiteStatus,
  previous: GateStatus[] | undefined,
  outcomes: RunOutcomes = new Map(),
): RoundGates {
  const specGates = suite.spec.gates ?? [];
  if (specGates.length === 0) return { gates: undefined, judged: [] };
  const round = status.round ?? 0;
  const kept = (previous ?? []).filter((entry) => specGates.some((g) => g.name === entry.name));
  if (!status.completionTime || round < 1) return { gates: kept.length ? kept : undefined, judged: [] };
  const judged: RoundGates['judged'] = [];
  const gates = specGates.map((gate): GateStatus => {
    const before = kept.find((entry) => entry.name === gate.name);
    if (before?.round === round) return before;
    const candidate = valueOf(runOf(status, gate.benchmark, gate.candidate), gate.metric, outcomes);
    const { baseline, label } = baselineOf(gate, status, before, outcomes);
    const verdict = evaluateGate(gate, candidate, baseline, label);
    judged.push({ gate, verdict });
    return {
      name: gate.name,
      round,
      verdict: verdict.verdict,
      message: shorten(verdict.message, GATE_MESSAGE_LENGTH),
      ...(candidate ? { value: candidate.value } : {}),
      ...(candidate?.items !== undefined ? { items: candidate.items } : {}),
      ...(keptOutcomes(candidate) ? { outcomes: keptOutcomes(candidate)! } : {}),
    };
  });
  return { gates, judged };
}

function runOf(status: SuiteStatus, benchmark: string, target: string): RunStatus | undefined {
  return status.runs?.find((run) => run.benchmark === benchmark && run.target === target);
}

/** The outcomes status keeps for the next round: those over at most GATE_OUTCOMES_MAX_ITEMS items. */
function keptOutcomes(run: GateRunValue | undefined): GateOutcomes | undefined {
  const outcomes = run?.outcomes;
  return outcomes && outcomes.items <= GATE_OUTCOMES_MAX_ITEMS ? outcomes : undefined;
}

/**
 * A succeeded run's value for the gate; with `items` when it is a share of correct items, and then
 * with the run's per-item outcomes when it reported them.
 */
function valueOf(
  run: RunStatus | undefined,
  metric = 'score',
  outcomes: RunOutcomes,
): GateRunValue | undefined {
  if (run?.state !== 'Succeeded') return undefined;
  const value = metric === 'score' ? run.result?.score : run.result?.metrics?.[metric];
  if (value === undefined || !Number.isFinite(value)) return undefined;
  const share = metric === 'score' ? correctShare(run) : undefined;
  // The counts say how many items the score is over only if the score is their share, to the
  // places bench-runner writes it in (SHARE_TOLERANCE).
  if (!share || Math.abs(share.correct / share.items - value) > SHARE_TOLERANCE) return { value };
  const items = outcomes.get(run.name);
  return { value, items: share.items, ...(items ? { outcomes: items } : {}) };
}

function baselineOf(
  gate: Gate,
  status: SuiteStatus,
  before: GateStatus | undefined,
  outcomes: RunOutcomes,
): { baseline: GateRunValue | undefined; label: string } {
  if (gate.baseline.target !== undefined) {
    return {
      baseline: valueOf(runOf(status, gate.benchmark, gate.baseline.target), gate.metric, outcomes),
      label: gate.baseline.target,
    };
  }
  if (gate.baseline.previousRound) {
    if (before?.value === undefined) return { baseline: undefined, label: 'the previous round' };
    return {
      baseline: {
        value: before.value,
        ...(before.items !== undefined ? { items: before.items } : {}),
        ...(before.outcomes ? { outcomes: before.outcomes } : {}),
      },
      label: `round ${before.round}`,
    };
  }
  return { baseline: undefined, label: `threshold ${gate.baseline.threshold}` };
}

/** The condition a gate type sets: GatesPassed, and Ready=False (GateFailed) on a failed gate. */
const GATES_CONDITION = 'GatesPassed';

/**
 * Sets GatesPassed (True: all passed; False: one failed; Unknown: one inconclusive) and, when a gate
 * of the finished round failed, Ready=False with reason GateFailed: Flux and Argo CD read Ready, so
 * the suite turns unhealthy and a promotion waiting on it stops. Without gates, GatesPassed goes.
 */
export function gateConditions(
  conditions: Condition[],
  stored: Condition[],
  gates: GateStatus[] | undefined,
  finished: boolean,
  generation: number,
  now: Date,
): Condition[] {
  if (!gates?.length) return conditions.filter((c) => c.type !== GATES_CONDITION);
  const failed = gates.filter((g) => g.verdict === 'Failed');
  const inconclusive = gates.filter((g) => g.verdict === 'Inconclusive');
  const [status, reason, message]: [Condition['status'], string, string] = failed.length
    ? ['False', 'GateFailed', failed.map((g) => `${g.name}: ${g.message}`).join('; ')]
    : inconclusive.length
      ? ['Unknown', 'GateInconclusive', inconclusive.map((g) => `${g.name}: ${g.message}`).join('; ')]
      : [
          'True',
          'GatesPassed',
          `${gates.length} gate${gates.length === 1 ? '' : 's'} passed on round ${gates[0]!.round}`,
        ];
  const bounded = shorten(message, CONDITION_MESSAGE_LIMIT);
  let next = setCondition(
    conditions,
    { type: GATES_CONDITION, status, reason, message: bounded, observedGeneration: generation },
    now,
  );
  if (failed.length && finished) {
    next = setCondition(
      next,
      {
        type: 'Ready',
        status: 'False',
        reason: 'GateFailed',
        message: bounded,
        observedGeneration: generation,
      },
      now,
    );
  }
  return keepTransitionTimes(next, stored);
}

/**
 * Ready was set from the runs first, then by the gates: a condition whose status is the stored one
 * keeps its stored transition time, so a failed gate's Ready=False does not look new on every
 * reconcile (and cost a status write each time).
 */
function keepTransitionTimes(conditions: Condition[], stored: Condition[]): Condition[] {
  return conditions.map((condition) => {
    const before = stored.find((c) => c.type === condition.type);
    return before && before.status === condition.status
      ? { ...condition, lastTransitionTime: before.lastTransitionTime }
      : condition;
  });
}
