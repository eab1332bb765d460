/**
 * The scorers a dataset item can name, each turning the model's output into correct or not. A
 * scorer is built once per item when the dataset is read, so an item that cannot be scored (a
 * regular expression or JSON schema that does not compile, an expected answer of the wrong kind)
 * fails the dataset at the start, not the run halfway.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { extractChoice, extractFinalNumber, extractJson, parseNumber } from './extract.ts';

export const SCORER_NAMES = ['exact', 'contains', 'regex', 'choice', 'numeric', 'json-schema'] as const;
export type ScorerName = (typeof SCORER_NAMES)[number];

/** The scorer that asks another model, the judge, to grade the answer (runner/src/judge). */
export const JUDGE_SCORER = 'judge';

/** What an item (or --scorer) may name: a scorer of the output alone, or the judge. */
export const ITEM_SCORER_NAMES = [...SCORER_NAMES, JUDGE_SCORER] as const;
export type ItemScorerName = (typeof ITEM_SCORER_NAMES)[number];

/**
 * Each scorer's version: bump it whenever the scorer's judgement of an output changes, so that a
 * resumed run does not reuse answers kept under the old scorer (docs/runner-contract.md, Resume).
 */
export const SCORER_VERSIONS: Readonly<Record<ItemScorerName, number>> = {
  exact: 1,
  contains: 1,
  regex: 1,
  choice: 1,
  numeric: 1,
  'json-schema': 1,
  // Its prompts and the reading of its verdicts.
  [JUDGE_SCORER]: 1,
};

export interface Score {
  correct: boolean;
  /** What the scorer read from the output, for scorers that read one (the letter, the number). */
  answer?: string;
}

export type Scorer = (output: string) => Score;

export interface ScorerSpec {
  scorer: ScorerName;
  expected: unknown;
  /** exact, contains, regex: compare without regard to case. */
  ignoreCase?: boolean | undefined;
  /** numeric: the largest difference still counted correct (default: 1e-6, relative above 1). */
  tolerance?: number | undefined;
}

/** Thrown by createScorer for an item that cannot be scored; the dataset reader adds the line. */
export class ScorerSpecError extends Error {}

function expectedText(spec: ScorerSpec): string {
  if (typeof spec.expected === 'string') return spec.expected;
  if (typeof spec.expected === 'number') return String(spec.expected);
  throw new ScorerSpecError(`scorer ${spec.scorer} needs "expected" as a string`);
}

const fold = (text: string, ignoreCase: boolean | undefined) => (ignoreCase ? text.toLowerCase() : text);

/** One Ajv for every json-schema item; a schema given by many items is compiled once. */
const ajv = new Ajv({ strict: false, allErrors: false });
(addFormatsModule as unknown as (a: Ajv) => Ajv)(ajv);
const compiled = new Map<string, ValidateFunction>();

function compileSchema(schema: unknown): ValidateFunction {
  if (
    typeof schema !== 'boolean' &&
    (typeof schema !== 'object' || schema === null || Array.isArray(schema))
  ) {
    throw new ScorerSpecError('scorer json-schema needs "expected" as a JSON schema (an object)');
  }
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema as object);
    } catch (error) {
      throw new ScorerSpecError(`"expected" is not a valid JSON schema: ${(error as Error).message}`);
    }
    compiled.set(key, validate);
  }
  return validate;
}

export function createScorer(spec: ScorerSpec): Scorer {
  switch (spec.scorer) {
    case 'exact': {
      const expected = fold(expectedText(spec).trim(), spec.ignoreCase);
      return (output) => ({ correct: fold(output.trim(), spec.ignoreCase) === expected });
    }
    case 'contains': {
      const expected = fold(expectedText(spec), spec.ignoreCase);
      if (expected === '') throw new ScorerSpecError('scorer contains needs a non-empty "expected"');
      return (output) => ({ correct: fold(output, spec.ignoreCase).includes(expected) });
    }
    case 'regex': {
      let pattern: RegExp;
      try {
        pattern = new RegExp(expectedText(spec), spec.ignoreCase ? 'i' : '');
      } catch (error) {
        throw new ScorerSpecError(
          `"expected" is not a valid regular expression: ${(error as Error).message}`,
        );
      }
      return (output) => {
        const match = pattern.exec(output);
        return match ? { correct: true, answer: match[0] } : { correct: false };
      };
    }
    case 'choice': {
      const expected = expectedText(spec).trim();
      if (!/^[A-Za-z]$/.test(expected)) {
        throw new ScorerSpecError(
          `scorer choice needs "expected" as one letter, not ${JSON.stringify(expected)}`,
        );
      }
      return (output) => {
        const answer = extractChoice(output);
        return { correct: answer === expected.toUpperCase(), ...(answer ? { answer } : {}) };
      };
    }
    case 'numeric': {
      const expected = parseNumber(expectedText(spec));
      if (expected === undefined) {
        throw new ScorerSpecError(
          `scorer numeric needs "expected" as a number, not ${JSON.stringify(spec.expected)}`,
        );
      }
      const tolerance = spec.tolerance ?? 1e-6 * Math.max(1, Math.abs(expected));
      return (output) => {
        const answer = extractFinalNumber(output);
        if (answer === undefined) return { correct: false };
        return { correct: Math.abs(answer - expected) <= tolerance, answer: String(answer) };
      };
    }
    case 'json-schema': {
      const validate = compileSchema(spec.expected);
      return (output) => {
        const json = extractJson(output);
        return { correct: json !== undefined && validate(json.value) };
      };
    }
  }
}
