/**
 * A dataset in JSONL, one item a line, validated as a whole before any request is sent: every bad
 * line is reported with its number, and a dataset with one is a benchmark error (exit 2).
 *
 *   {"id": "q1", "prompt": "What is 2+2?", "expected": "4", "scorer": "numeric"}
 *   {"messages": [{"role": "system", "content": "..."}, {"role": "user", "content": "..."}], ...}
 */
import { Ajv, type ErrorObject } from 'ajv';
import type { Mode } from '../config/args.ts';
import { ConfigError } from '../config/errors.ts';
import type { ChatMessage } from '../providers/types.ts';
import { onScale, SCALE_RANGE, type JudgeScale } from '../judge/scale.ts';
import {
  createScorer,
  ITEM_SCORER_NAMES,
  JUDGE_SCORER,
  ScorerSpecError,
  type ItemScorerName,
  type Scorer,
} from '../scoring/scorers.ts';

export interface DatasetItem {
  /** Position among the dataset's items, from 0. */
  index: number;
  /** Line in the JSONL, from 1. */
  line: number;
  id: string | number | undefined;
  /** Items of a category are also scored together (metric accuracy/<category>). */
  category: string | undefined;
  messages: ChatMessage[];
  expected: unknown;
  /** Absent in latency mode for items that name no scorer, and for items the judge scores. */
  scorer: Scorer | undefined;
  /** What the judge needs, for items the judge scores. */
  judge?: JudgedItem;
}

/** An item the judge scores: its grading criteria, the reference answer, the human label. */
export interface JudgedItem {
  /** The item's `rubric`; without it, --judge-rubric's. */
  rubric: string | undefined;
  /** The item's `reference`, else its `expected` when that is text or a number. */
  reference: string | undefined;
  /** The item's `label`: a person's rating on the judge's scale (calibration). */
  label: number | undefined;
}

const ITEM_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: ['string', 'number'] },
    prompt: { type: 'string', minLength: 1 },
    system: { type: 'string' },
    messages: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          role: { enum: ['system', 'user', 'assistant'] },
          content: { type: 'string' },
        },
        required: ['role', 'content'],
        additionalProperties: false,
      },
    },
    expected: {},
    scorer: { enum: ITEM_SCORER_NAMES },
    category: { type: 'string', minLength: 1, maxLength: 100 },
    ignoreCase: { type: 'boolean' },
    tolerance: { type: 'number', minimum: 0 },
    rubric: { type: 'string', minLength: 1 },
    reference: { type: 'string' },
    label: { type: 'number' },
  },
  oneOf: [
    { required: ['prompt'], not: { required: ['messages'] } },
    { required: ['messages'], not: { anyOf: [{ required: ['prompt'] }, { required: ['system'] }] } },
  ],
  additionalProperties: false,
} as const;

interface RawItem {
  id?: string | number;
  prompt?: string;
  system?: string;
  messages?: ChatMessage[];
  expected?: unknown;
  scorer?: ItemScorerName;
  category?: string;
  ignoreCase?: boolean;
  tolerance?: number;
  rubric?: string;
  reference?: string;
  label?: number;
}

const validateItem = new Ajv({ allErrors: true, allowUnionTypes: true }).compile<RawItem>(ITEM_SCHEMA);

/** Lines reported at most; the rest are counted. */
const MAX_REPORTED = 10;

function describe(errors: ErrorObject[]): string {
  if (errors.some((e) => e.instancePath === '' && e.keyword === 'type'))
    return 'an item must be a JSON object';
  // oneOf failing means the prompt/messages rule; its branch errors only repeat it.
  if (errors.some((e) => e.keyword === 'oneOf')) {
    return 'give either "prompt" (with an optional "system") or "messages"';
  }
  const first = errors[0]!;
  const where = first.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : 'the item';
  if (first.keyword === 'additionalProperties') {
    return `${where} has an unknown field "${(first.params as { additionalProperty: string }).additionalProperty}"`;
  }
  if (first.keyword === 'enum') {
    return `${where} must be one of ${(first.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  }
  return `${where} ${first.message ?? 'is invalid'}`;
}

export interface DatasetOptions {
  mode: Mode;
  /** The scorer of items that name none. */
  defaultScorer: ItemScorerName | undefined;
  /** How the judge scores (--judge-*); default: pass-fail, no calibration, no --judge-rubric. */
  judge?: { scale: JudgeScale; calibration: boolean; rubric: boolean };
}

const NO_JUDGE_OPTIONS: Required<DatasetOptions>['judge'] = {
  scale: 'pass-fail',
  calibration: false,
  rubric: false,
};

function judgedItem(raw: RawItem, options: Required<DatasetOptions>['judge']): JudgedItem {
  const expected =
    typeof raw.expected === 'string' || typeof raw.expected === 'number' ? String(raw.expected) : undefined;
  const reference = raw.reference ?? expected;
  if (raw.rubric === undefined && reference === undefined && !options.rubric) {
    throw new ScorerSpecError(
      'scorer judge needs a "rubric" or a "reference" (or --judge-rubric for all items)',
    );
  }
  if (options.calibration && raw.label === undefined) {
    throw new ScorerSpecError('no "label": --judge-calibration needs every item rated by a person');
  }
  if (raw.label !== undefined && !onScale(options.scale, raw.label)) {
    const { min, max } = SCALE_RANGE[options.scale];
    throw new ScorerSpecError(
      `"label" ${raw.label} is not on the ${options.scale} scale (a whole number from ${min} to ${max})`,
    );
  }
  return { rubric: raw.rubric, reference, label: raw.label };
}

function toItem(raw: RawItem, index: number, line: number, options: DatasetOptions): DatasetItem {
  const scorerName = raw.scorer ?? options.defaultScorer;
  const judgeOptions = options.judge ?? NO_JUDGE_OPTIONS;
  if (judgeOptions.calibration && scorerName !== JUDGE_SCORER) {
    throw new ScorerSpecError('--judge-calibration scores every item with the judge: no "scorer" but judge');
  }
  let scorer: Scorer | undefined;
  let judge: JudgedItem | undefined;
  if (options.mode === 'accuracy' || raw.scorer !== undefined) {
    if (scorerName === undefined)
      throw new ScorerSpecError('no "scorer", and no --scorer for items without one');
    if (scorerName === JUDGE_SCORER) {
      judge = judgedItem(raw, judgeOptions);
    } else {
      if (raw.expected === undefined) throw new ScorerSpecError('no "expected" answer');
      scorer = createScorer({
        scorer: scorerName,
        expected: raw.expected,
        ignoreCase: raw.ignoreCase,
        tolerance: raw.tolerance,
      });
    }
  }
  const messages: ChatMessage[] = raw.messages ?? [
    ...(raw.system ? [{ role: 'system' as const, content: raw.system }] : []),
    { role: 'user', content: raw.prompt! },
  ];
  return {
    index,
    line,
    id: raw.id,
    category: raw.category,
    messages,
    expected: raw.expected,
    scorer,
    ...(judge ? { judge } : {}),
  };
}

export function parseDataset(text: string, options: DatasetOptions): DatasetItem[] {
  const items: DatasetItem[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((content, lineIndex) => {
    if (content.trim() === '') return;
    const line = lineIndex + 1;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      problems.push(`line ${line}: not JSON (${(error as Error).message})`);
      return;
    }
    if (!validateItem(value)) {
      problems.push(`line ${line}: ${describe(validateItem.errors ?? [])}`);
      return;
    }
    try {
      items.push(toItem(value, items.length, line, options));
    } catch (error) {
      if (!(error instanceof ScorerSpecError)) throw error;
      problems.push(`line ${line}: ${error.message}`);
    }
  });
  if (problems.length > 0) {
    const more = problems.length > MAX_REPORTED ? `\n  and ${problems.length - MAX_REPORTED} more` : '';
    throw new ConfigError(
      `the dataset has ${problems.length} invalid line${problems.length === 1 ? '' : 's'}:\n  ${problems
        .slice(0, MAX_REPORTED)
        .join('\n  ')}${more}`,
    );
  }
  if (items.length === 0) throw new ConfigError('the dataset has no items');
  return items;
}
