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
import {
  createScorer,
  SCORER_NAMES,
  ScorerSpecError,
  type Scorer,
  type ScorerName,
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
  /** Absent in latency mode for items that name no scorer. */
  scorer: Scorer | undefined;
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
    scorer: { enum: SCORER_NAMES },
    category: { type: 'string', minLength: 1, maxLength: 100 },
    ignoreCase: { type: 'boolean' },
    tolerance: { type: 'number', minimum: 0 },
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
  scorer?: ScorerName;
  category?: string;
  ignoreCase?: boolean;
  tolerance?: number;
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
  defaultScorer: ScorerName | undefined;
}

function toItem(raw: RawItem, index: number, line: number, options: DatasetOptions): DatasetItem {
  const scorerName = raw.scorer ?? options.defaultScorer;
  let scorer: Scorer | undefined;
  if (options.mode === 'accuracy' || raw.scorer !== undefined) {
    if (scorerName === undefined)
      throw new ScorerSpecError('no "scorer", and no --scorer for items without one');
    if (raw.expected === undefined) throw new ScorerSpecError('no "expected" answer');
    scorer = createScorer({
      scorer: scorerName,
      expected: raw.expected,
      ignoreCase: raw.ignoreCase,
      tolerance: raw.tolerance,
    });
  }
  const messages: ChatMessage[] = raw.messages ?? [
    ...(raw.system ? [{ role: 'system' as const, content: raw.system }] : []),
    { role: 'user', content: raw.prompt! },
  ];
  return { index, line, id: raw.id, category: raw.category, messages, expected: raw.expected, scorer };
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
