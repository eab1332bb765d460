/**
 * The demo stand-in's answers (hack/demo/stand-in.ts): it knows every item of the examples'
 * datasets (examples/25-datasets.yaml) and answers right for a share of them that depends on the
 * model, wrong for the others, in the form each of bench-runner's scorers reads
 * (runner/src/scoring). Which items a model gets right is fixed: a hash of the model and the item
 * against the model's skill, so two demos show the same scores.
 *
 * The answers are built from the scorers' rules, not by asking the scorers (the unit test,
 * test/unit/demo-stand-in.test.ts, checks them against bench-runner's own scorers).
 */
import { createHash } from 'node:crypto';

/** The share of items each model answers right; models not listed get DEFAULT_SKILL. */
export const SKILLS: Readonly<Record<string, number>> = {
  'gpt-4o': 0.85,
  'claude-sonnet-4-5': 0.8,
  'gpt-4o-mini': 0.6,
  'claude-haiku-4-5': 0.55,
};
export const DEFAULT_SKILL = 0.5;

export function skillOf(model: string): number {
  return SKILLS[model] ?? DEFAULT_SKILL;
}

type ScorerName = 'exact' | 'contains' | 'regex' | 'choice' | 'numeric' | 'json-schema';

/** One dataset item as the stand-in knows it. */
export interface KnownItem {
  /** `<dataset file>/<item id>` (the line number when the item has no id): what the hash is of. */
  key: string;
  /** The question: the item's prompt, or its last user message. */
  prompt: string;
  expected: unknown;
  scorer: ScorerName;
  ignoreCase: boolean;
  tolerance: number | undefined;
}

interface RawItem {
  id?: string | number;
  prompt?: string;
  messages?: { role: string; content: string }[];
  expected?: unknown;
  scorer?: ScorerName;
  ignoreCase?: boolean;
  tolerance?: number;
}

/**
 * The items of the datasets ConfigMap's data (each key a JSONL file), by their question. An item without
 * a scorer is scored with the suite's --scorer (examples: `--scorer=numeric` for gsm8k.jsonl): a
 * number expected means numeric, anything else exact.
 */
export function knownItems(data: Record<string, string>): Map<string, KnownItem> {
  const items = new Map<string, KnownItem>();
  for (const [file, jsonl] of Object.entries(data)) {
    for (const [index, line] of jsonl.split('\n').entries()) {
      if (line.trim() === '') continue;
      const raw = JSON.parse(line) as RawItem;
      const prompt = raw.prompt ?? raw.messages?.filter((m) => m.role === 'user').at(-1)?.content;
      if (prompt === undefined || items.has(prompt)) continue;
      items.set(prompt, {
        key: `${file}/${raw.id ?? `line-${index + 1}`}`,
        prompt,
        expected: raw.expected,
        scorer: raw.scorer ?? (typeof raw.expected === 'number' ? 'numeric' : 'exact'),
        ignoreCase: raw.ignoreCase === true,
        tolerance: raw.tolerance,
      });
    }
  }
  return items;
}

/** A number in [0, 1) from the model and the item: the same on every run and machine. */
export function draw(model: string, itemKey: string): number {
  const digest = createHash('sha256').update(`${model}\n${itemKey}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** Whether the model answers this item right. */
export function answersRight(model: string, itemKey: string): boolean {
  return draw(model, itemKey) < skillOf(model);
}

/** A reply that is no answer to anything (what a wrong answer to a text item says). */
const NOT_SURE = 'I am not sure.';

const text = (expected: unknown): string =>
  typeof expected === 'string' ? expected : JSON.stringify(expected);

/** The option letters a multiple-choice prompt lists ("A) ...", "B. ..."), in order. */
function optionLetters(prompt: string): string[] {
  return [...prompt.matchAll(/^\(?([A-Z])[).:]\s/gm)].map((m) => m[1]!);
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12)));
}

/**
 * A text the regular expression matches, for the patterns datasets use: literal words between
 * anchors, word boundaries and optional non-word runs (`^\W*yes\b`, `\bgreen\b`).
 */
export function textMatching(pattern: string): string {
  return pattern
    .replace(/\\[bB]|^\^|\$$/g, '')
    .replace(/\\[Ws]\*|\\[Ws]\?/g, '')
    .replace(/\\[Ws]\+/g, ' ')
    .replace(/\\(.)/g, '$1')
    .trim();
}

type Schema = {
  const?: unknown;
  enum?: unknown[];
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
};

/** A JSON value the schema accepts, built from its consts (and enums, types, required properties). */
export function valueFor(schema: Schema): unknown {
  if ('const' in schema) return schema.const;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([name, property]) => [name, valueFor(property)]),
      );
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => valueFor(schema.items ?? {}));
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return {};
  }
}

/** The value with one thing changed: a number off by one, a string with a letter more, and so on. */
export function altered(value: unknown): unknown {
  if (typeof value === 'number') return value + 1;
  if (typeof value === 'string') return `${value}x`;
  if (typeof value === 'boolean') return !value;
  if (value === null) return 0;
  if (Array.isArray(value)) {
    const items = value as unknown[];
    return items.length === 0 ? [0] : [...items.slice(0, -1), altered(items.at(-1))];
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [];
  const [[first, firstValue], ...rest] = entries as [[string, unknown], ...[string, unknown][]];
  return Object.fromEntries([[first, altered(firstValue)], ...rest]);
}

/** What a model that knows the answer replies, in the form the item's scorer reads. */
export function rightAnswer(item: KnownItem): string {
  switch (item.scorer) {
    case 'choice':
      return text(item.expected).trim().toUpperCase();
    case 'numeric':
      return `Working through the numbers in the question step by step gives the result.\n#### ${text(item.expected)}`;
    case 'exact':
      return text(item.expected).trim();
    case 'contains':
      return text(item.expected);
    case 'regex':
      return textMatching(text(item.expected));
    case 'json-schema':
      return JSON.stringify(valueFor(item.expected as Schema));
  }
}

/** What a model that gets the item wrong replies: the same form, a wrong answer. */
export function wrongAnswer(item: KnownItem): string {
  switch (item.scorer) {
    case 'choice': {
      const expected = text(item.expected).trim().toUpperCase();
      const other =
        optionLetters(item.prompt).find((letter) => letter !== expected) ?? (expected === 'A' ? 'B' : 'A');
      return other;
    }
    case 'numeric': {
      const expected = Number(text(item.expected).replaceAll(',', ''));
      const off = Math.max(1, Math.abs(expected) * 0.1, 2 * (item.tolerance ?? 0));
      return `Working through the numbers in the question step by step gives the result.\n#### ${formatNumber(expected + off)}`;
    }
    case 'exact':
    case 'contains':
    case 'regex':
      return NOT_SURE;
    case 'json-schema':
      return JSON.stringify(altered(valueFor(item.expected as Schema)));
  }
}

/** The stand-in's reply to a question from the datasets, for this model. */
export function answerFor(item: KnownItem, model: string): { text: string; right: boolean } {
  const right = answersRight(model, item.key);
  return { text: right ? rightAnswer(item) : wrongAnswer(item), right };
}
