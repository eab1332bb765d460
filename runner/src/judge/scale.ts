/** The scales a judge rates an answer on, and the rating an answer needs to pass on each. */

export const JUDGE_SCALES = ['pass-fail', '1-5', '0-10'] as const;
export type JudgeScale = (typeof JUDGE_SCALES)[number];

/** Every scale's ratings are whole numbers from its lowest to its highest. */
export const SCALE_RANGE: Readonly<Record<JudgeScale, { min: number; max: number }>> = {
  'pass-fail': { min: 0, max: 1 },
  '1-5': { min: 1, max: 5 },
  '0-10': { min: 0, max: 10 },
};

/** --judge-pass when not given: a pass, a 4 of 5, a 7 of 10. */
export const DEFAULT_PASS: Readonly<Record<JudgeScale, number>> = { 'pass-fail': 1, '1-5': 4, '0-10': 7 };

export function scaleCategories(scale: JudgeScale): number[] {
  const { min, max } = SCALE_RANGE[scale];
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

export function onScale(scale: JudgeScale, value: number): boolean {
  const { min, max } = SCALE_RANGE[scale];
  return Number.isInteger(value) && value >= min && value <= max;
}
