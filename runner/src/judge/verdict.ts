/**
 * The judge's reply read strictly: a JSON object `{"score": <n>, "reason": "<text>"}` and nothing
 * else in it, the score a whole number on the scale. The object may stand alone or in a code fence
 * (models add one unasked); anything else is a reply the judge gets one more chance to correct.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { extractJson } from '../scoring/extract.ts';
import { JUDGE_SCALES, SCALE_RANGE, type JudgeScale } from './scale.ts';

export interface Verdict {
  score: number;
  reason: string;
}

export type VerdictReading = { ok: true; verdict: Verdict } | { ok: false; problem: string };

const ajv = new Ajv({ allErrors: false });

function verdictSchema(scale: JudgeScale) {
  return {
    type: 'object',
    properties: {
      score: { type: 'integer', minimum: SCALE_RANGE[scale].min, maximum: SCALE_RANGE[scale].max },
      reason: { type: 'string' },
    },
    required: ['score', 'reason'],
    additionalProperties: false,
  } as const;
}

const validators = Object.fromEntries(
  JUDGE_SCALES.map((scale) => [scale, ajv.compile<Verdict>(verdictSchema(scale))]),
) as Record<JudgeScale, ValidateFunction<Verdict>>;

/** The verdict in a reply, or what is wrong with the reply (said back to the judge when it retries). */
export function readVerdict(reply: string, scale: JudgeScale): VerdictReading {
  const json = extractJson(reply);
  if (!json) return { ok: false, problem: 'it is not JSON' };
  const validate = validators[scale];
  if (validate(json.value)) return { ok: true, verdict: json.value };
  const error = validate.errors![0]!;
  const where = error.instancePath ? `"${error.instancePath.slice(1)}"` : 'the verdict';
  const detail =
    error.keyword === 'additionalProperties'
      ? `has a field "${(error.params as { additionalProperty: string }).additionalProperty}" besides "score" and "reason"`
      : error.message;
  return { ok: false, problem: `${where} ${detail}` };
}
