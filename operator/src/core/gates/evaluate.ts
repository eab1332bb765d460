// The verdict of a regression gate: is the candidate's result worse than its baseline by more than
// the gate allows, beyond what noise could explain? Pure: the caller finds the runs and the label.
import { itemAnswers, type ItemOutcomes } from '../../../../runner/src/contract/outcomes.ts';
import { decimal, probability, signed } from '../stats/describe-comparison.ts';
import { mcnemarExactPValue } from '../stats/mcnemar.ts';
import { newcombePairedInterval, type PairedOutcomes } from '../stats/newcombe-paired.ts';
import { wilsonInterval } from '../stats/wilson.ts';
import { newcombeUnpairedInterval, pooledTwoProportionPValue, type Proportion } from './two-proportions.ts';

export interface GateSpec {
  name: string;
  benchmark: string;
  /** 'score' (the run's result.score) or the name of a metric of result.metrics. Default 'score'. */
  metric?: string | undefined;
  /** The target whose run is judged. */
  candidate: string;
  /** Exactly one is set. */
  baseline: {
    target?: string | undefined;
    previousRound?: boolean | undefined;
    threshold?: string | undefined;
  };
  /** The largest drop (candidate − baseline, absolute, in the metric's units) that is not a regression; decimal string; default '0'. */
  maxDrop?: string | undefined;
  /** The test's α; decimal string in (0, 0.5]; default '0.05'. */
  significance?: string | undefined;
}

/** A run's value for the gate: `items` is set when the value is a share of correct items over that many items (then a count-based test applies). */
export interface GateRunValue {
  value: number;
  items?: number | undefined;
  /** Which items the run got right, when it reported them: two runs over the same items are paired. */
  outcomes?: ItemOutcomes | undefined;
}

export type GateVerdictName = 'Passed' | 'Failed' | 'Inconclusive';

export interface GateVerdict {
  name: string;
  verdict: GateVerdictName;
  /** One line for a status, an Event and a commit status, at most 400 characters, e.g.
   *  "mmlu: candidate 0.712 vs production 0.745, −0.033 (95% CI −0.051…−0.015), unpaired p = 0.003: a drop beyond 0 (maxDrop)". */
  message: string;
  candidate?: number | undefined;
  /** The baseline run's value, or the threshold. */
  baseline?: number | undefined;
  /** candidate − baseline. */
  difference?: number | undefined;
  /** The (1 − α) interval of `difference`, when the data had item counts. */
  low?: number | undefined;
  high?: number | undefined;
  /** The two-sided p-value of a comparison of two runs' shares. */
  pValue?: number | undefined;
  /** How it was decided, e.g. 'paired-mcnemar', 'unpaired-proportions', 'wilson-threshold'. */
  method: string;
}

/** How a verdict was reached; 'not-evaluated' when the gate or its data left nothing to decide. */
export type GateMethod =
  'paired-mcnemar' | 'unpaired-proportions' | 'wilson-threshold' | 'values-only' | 'not-evaluated';

export const MESSAGE_LIMIT = 400;

/**
 * The verdict of a regression gate on the candidate's run and its baseline. Higher values are
 * better; a drop is candidate − baseline < 0, and a drop of at most `maxDrop` is not a regression.
 *
 * - **Inconclusive** when the gate cannot be judged: the candidate's or the baseline run's value is
 *   missing (the run did not succeed, or its result has no such metric), is not a finite number, or
 *   claims item counts that are not a share of at least one item; or `maxDrop` (a decimal ≥ 0),
 *   `significance` (in (0, 0.5]) or `threshold` is not a number; or the baseline does not set
 *   exactly one of `target`, `previousRound` and `threshold`. The message says which and why.
 * - **Against a baseline run** (another target's, or the previous round's) over the same items
 *   (both runs' per-item outcomes, with equal digests): paired, over the items both answered: the
 *   difference with Newcombe's paired (1 − α) interval and McNemar's exact p-value. Two runs over the
 *   same items are correlated (both get the easy ones right), and pairing removes that shared noise,
 *   so a real drop is told from noise with fewer items than an unpaired test needs.
 * - **Against a baseline run without outcomes for both, or over other items**, both with item
 *   counts: the difference with Newcombe's (1 − α) interval for two independent proportions and the
 *   pooled two-proportion z-test's p-value; the message says it is unpaired and why.
 * - Either way **Failed** when the whole interval lies below −maxDrop (a drop beyond maxDrop, with
 *   confidence 1 − α) and the test's p-value is below α: an interval and a test of the same data
 *   can disagree at the margin, and a change is failed only when both say it regressed; otherwise **Passed**: no regression beyond maxDrop that the data can tell
 *   from noise. A share is taken as round(value × items) correct items of `items`.
 * - **Against a threshold**, the candidate with item counts: the same rule with the candidate's
 *   Wilson interval: Failed when its upper bound is below threshold − maxDrop, else Passed.
 * - **Without item counts** (on either side used): nothing tells a regression from noise, so a bare
 *   value never fails a gate. Passed when the drop is at most maxDrop, else Inconclusive.
 *
 * Never throws. The message has the numbers to three places and is at most 400 characters, long
 * names shortened to fit.
 */
export function evaluateGate(
  gate: GateSpec,
  candidate: GateRunValue | undefined,
  baseline: GateRunValue | undefined,
  baselineLabel: string,
): GateVerdict {
  const context: Context = { gate, baselineLabel };
  const settings = readSettings(gate);
  if (typeof settings === 'function') return notEvaluated(context, settings);
  const candidateSide = readSide(context, 'candidate', candidate);
  if (typeof candidateSide === 'function') return notEvaluated(context, candidateSide);
  if (settings.threshold !== undefined) {
    const threshold = { value: settings.threshold, proportion: undefined };
    return candidateSide.proportion === undefined
      ? valuesOnly(context, settings, candidateSide, threshold)
      : againstThreshold(context, settings, candidateSide.proportion, settings.threshold);
  }
  const baselineSide = readSide(context, 'baseline', baseline);
  if (typeof baselineSide === 'function') return notEvaluated(context, baselineSide);
  if (candidateSide.proportion === undefined || baselineSide.proportion === undefined) {
    return valuesOnly(context, settings, candidateSide, baselineSide);
  }
  const pairs = pairedOutcomes(candidate?.outcomes, baseline?.outcomes);
  return typeof pairs === 'string'
    ? againstRun(context, settings, candidateSide.proportion, baselineSide.proportion, pairs)
    : againstPairedRun(context, settings, pairs);
}

/** The two runs' items counted by how each pair went, or why they cannot be paired. */
export function pairedOutcomes(
  candidate: ItemOutcomes | undefined,
  baseline: ItemOutcomes | undefined,
): PairedOutcomes | string {
  if (!candidate || !baseline) return 'without per-item outcomes of both runs';
  if (candidate.digest !== baseline.digest || candidate.items !== baseline.items) {
    return 'the runs are over different items';
  }
  const a = itemAnswers(candidate);
  const b = itemAnswers(baseline);
  if (!a || !b) return 'without per-item outcomes of both runs';
  const pairs = { bothRight: 0, onlyA: 0, onlyB: 0, bothWrong: 0 };
  a.forEach((answer, i) => {
    const other = b[i]!;
    if (!answer.answered || !other.answered) return;
    if (answer.correct) pairs[other.correct ? 'bothRight' : 'onlyA']++;
    else pairs[other.correct ? 'onlyB' : 'bothWrong']++;
  });
  return pairs.bothRight + pairs.onlyA + pairs.onlyB + pairs.bothWrong > 0
    ? pairs
    : 'no item was answered by both runs';
}

interface Context {
  gate: GateSpec;
  baselineLabel: string;
}

interface Settings {
  maxDrop: number;
  alpha: number;
  /** Set for a threshold gate; undefined for a gate against a baseline run. */
  threshold: number | undefined;
}

/** What keeps a gate from being judged, in words, given how to shorten the names in them. */
type Problem = (name: Shorten) => string;

interface Side {
  value: number;
  /** The value as counts, when the run said how many items it was over. */
  proportion: Proportion | undefined;
}

/** The gate's numbers, or what is wrong with them. */
function readSettings({ baseline, maxDrop = '0', significance = '0.05' }: GateSpec): Settings | Problem {
  const kinds = [
    baseline.target !== undefined,
    baseline.previousRound === true,
    baseline.threshold !== undefined,
  ];
  if (kinds.filter(Boolean).length !== 1) {
    return () => 'the baseline must set exactly one of target, previousRound and threshold';
  }
  const drop = parseDecimal(maxDrop);
  if (drop === undefined || drop < 0)
    return (name) => `maxDrop ${quote(name, maxDrop)} is not a decimal number ≥ 0`;
  const alpha = parseDecimal(significance);
  // An α too small for 1 − α to differ from 1 leaves no confidence level to compute with.
  if (alpha === undefined || !(alpha > 0 && alpha <= 0.5 && 1 - alpha < 1)) {
    return (name) => `significance ${quote(name, significance)} is not a usable α in (0, 0.5]`;
  }
  if (baseline.threshold === undefined) return { maxDrop: drop, alpha, threshold: undefined };
  const threshold = parseDecimal(baseline.threshold);
  if (threshold === undefined) {
    const text = baseline.threshold;
    return (name) => `threshold ${quote(name, text)} is not a decimal number`;
  }
  return { maxDrop: drop, alpha, threshold };
}

/** Number()'s reading of a decimal string, except that blank is not 0 and only finite numbers count. */
function parseDecimal(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** A spec's string in a message: quoted, and shortened as names are, since it may be anything. */
function quote(name: Shorten, text: string): string {
  return JSON.stringify(name(text));
}

/** A run's value as the gate uses it, or why it cannot be used. */
function readSide(
  { gate, baselineLabel }: Context,
  role: 'candidate' | 'baseline',
  run: GateRunValue | undefined,
): Side | Problem {
  const metric = gate.metric ?? 'score';
  const who = (name: Shorten) => `${role} ${name(role === 'candidate' ? gate.candidate : baselineLabel)}`;
  if (run === undefined) {
    return (name) =>
      `no ${name(metric)} from ${who(name)}: its run did not succeed, or its result has no ${name(metric)}`;
  }
  const { value, items } = run;
  if (!Number.isFinite(value))
    return (name) => `the ${name(metric)} of ${who(name)} is ${value}, not a number`;
  if (items === undefined) return { value, proportion: undefined };
  if (!(Number.isSafeInteger(items) && items >= 1 && value >= 0 && value <= 1)) {
    return (name) =>
      `the ${name(metric)} of ${who(name)}, ${value} over ${items} items, is not a share of correct items`;
  }
  return { value, proportion: { successes: Math.round(value * items), trials: items } };
}

function againstPairedRun(context: Context, settings: Settings, pairs: PairedOutcomes): GateVerdict {
  const items = pairs.bothRight + pairs.onlyA + pairs.onlyB + pairs.bothWrong;
  const interval = newcombePairedInterval(pairs, 1 - settings.alpha);
  const pValue = mcnemarExactPValue(pairs.onlyA, pairs.onlyB);
  const failed = beyond(interval.high, settings.maxDrop) && pValue < settings.alpha;
  const values = {
    candidate: (pairs.bothRight + pairs.onlyA) / items,
    baseline: (pairs.bothRight + pairs.onlyB) / items,
    ...interval,
    pValue,
  };
  return verdict(
    context,
    failed ? 'Failed' : 'Passed',
    'paired-mcnemar',
    values,
    (name) =>
      `${comparison(context, name, values.candidate, values.baseline)}, ${signed(interval.difference)} ` +
      `(${level(settings.alpha)} CI ${decimal(interval.low)}…${decimal(interval.high)}), McNemar ${probability(pValue)} ` +
      `over ${items} paired items (${pairs.onlyA} right only in ${name(context.gate.candidate)}, ` +
      `${pairs.onlyB} only in ${name(context.baselineLabel)}): ${conclusion(failed, settings.maxDrop)}`,
  );
}

function againstRun(
  context: Context,
  settings: Settings,
  candidate: Proportion,
  baseline: Proportion,
  unpairedBecause: string,
): GateVerdict {
  const interval = newcombeUnpairedInterval(candidate, baseline, 1 - settings.alpha);
  const pValue = pooledTwoProportionPValue(candidate, baseline);
  const failed = beyond(interval.high, settings.maxDrop) && pValue < settings.alpha;
  const values = { candidate: share(candidate), baseline: share(baseline), ...interval, pValue };
  return verdict(
    context,
    failed ? 'Failed' : 'Passed',
    'unpaired-proportions',
    values,
    (name) =>
      `${comparison(context, name, values.candidate, values.baseline)}, ${signed(interval.difference)} ` +
      `(${level(settings.alpha)} CI ${decimal(interval.low)}…${decimal(interval.high)}), unpaired ${probability(pValue)} ` +
      `(${unpairedBecause}): ${conclusion(failed, settings.maxDrop)}`,
  );
}

function againstThreshold(
  context: Context,
  settings: Settings,
  candidate: Proportion,
  threshold: number,
): GateVerdict {
  const interval = wilsonInterval(candidate.successes, candidate.trials, 1 - settings.alpha);
  const value = share(candidate);
  const low = interval.low - threshold;
  const high = interval.high - threshold;
  const failed = beyond(high, settings.maxDrop);
  const values = { candidate: value, baseline: threshold, difference: value - threshold, low, high };
  return verdict(
    context,
    failed ? 'Failed' : 'Passed',
    'wilson-threshold',
    values,
    (name) =>
      `${subject(context.gate, name)}: ${name(context.gate.candidate)} ${decimal(value)} ` +
      `(${level(settings.alpha)} CI ${decimal(interval.low)}…${decimal(interval.high)}, Wilson) ` +
      `vs ${name(context.baselineLabel)}, ${signed(values.difference)}: ${conclusion(failed, settings.maxDrop)}`,
  );
}

/** Two bare values: a drop within maxDrop passes; a larger one cannot be told from noise. */
function valuesOnly(context: Context, settings: Settings, candidate: Side, baseline: Side): GateVerdict {
  const difference = candidate.value - baseline.value;
  const passed = !beyond(difference, settings.maxDrop);
  const values = { candidate: candidate.value, baseline: baseline.value, difference };
  const shown = settings.threshold === undefined ? baseline.value : undefined;
  return verdict(context, passed ? 'Passed' : 'Inconclusive', 'values-only', values, (name) => {
    const start = `${comparison(context, name, candidate.value, shown)}, ${signed(difference)}: `;
    return passed
      ? `${start}no drop beyond ${settings.maxDrop} (maxDrop); compared as bare values, without item counts`
      : `${start}a drop beyond ${settings.maxDrop} (maxDrop), but without item counts the result cannot ` +
          'tell a regression from noise';
  });
}

function notEvaluated(context: Context, why: Problem): GateVerdict {
  return verdict(
    context,
    'Inconclusive',
    'not-evaluated',
    {},
    (name) => `${subject(context.gate, name)}: ${why(name)}`,
  );
}

type Shorten = (text: string) => string;
type Numbers = Omit<GateVerdict, 'name' | 'verdict' | 'message' | 'method'>;

function verdict(
  { gate }: Context,
  outcome: GateVerdictName,
  method: GateMethod,
  numbers: Numbers,
  message: (shorten: Shorten) => string,
): GateVerdict {
  return { name: gate.name, verdict: outcome, message: fitted(message), ...numbers, method };
}

/**
 * The message with names as they are, or shortened until it fits: names (of a benchmark, metric,
 * target) may be as long as Kubernetes allows, and the message goes where space is counted.
 */
function fitted(message: (shorten: Shorten) => string): string {
  for (const limit of [Infinity, 48, 24, 12]) {
    const text = message((name) => shorten(name, limit));
    if (text.length <= MESSAGE_LIMIT) return text;
  }
  return shorten(
    message((name) => shorten(name, 12)),
    MESSAGE_LIMIT,
  );
}

function shorten(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** "mmlu" for the score, "mmlu accuracy" for a metric. */
function subject(gate: GateSpec, name: Shorten): string {
  const metric = gate.metric ?? 'score';
  return metric === 'score' ? name(gate.benchmark) : `${name(gate.benchmark)} ${name(metric)}`;
}

/** "mmlu: candidate 0.712 vs production 0.745"; a threshold's label carries its own number. */
function comparison(
  { gate, baselineLabel }: Context,
  name: Shorten,
  candidate: number,
  baseline?: number,
): string {
  const against =
    baseline === undefined ? name(baselineLabel) : `${name(baselineLabel)} ${decimal(baseline)}`;
  return `${subject(gate, name)}: ${name(gate.candidate)} ${decimal(candidate)} vs ${against}`;
}

function conclusion(failed: boolean, maxDrop: number): string {
  return failed
    ? `a drop beyond ${maxDrop} (maxDrop)`
    : `no drop beyond ${maxDrop} (maxDrop) that the data can tell from noise`;
}

/** "95%" for α = 0.05. */
function level(alpha: number): string {
  return `${Number(((1 - alpha) * 100).toFixed(6))}%`;
}

/**
 * Whether a difference (or its interval's upper bound) lies below −maxDrop: a drop beyond what the
 * gate allows. The tolerance keeps decimal rounding (0.70 − 0.75 is −0.05000000000000004) from
 * making a drop of exactly maxDrop a regression.
 */
function beyond(difference: number, maxDrop: number): boolean {
  return difference < -maxDrop - 1e-12;
}

function share({ successes, trials }: Proportion): number {
  return successes / trials;
}
