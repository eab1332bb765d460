// The checks every function of core/stats makes of its arguments: a wrong count or level is a
// caller's bug, reported where it is made rather than carried on as NaN into a verdict.

/** A confidence level: strictly between 0 and 1 (0.95 for a 95% interval). */
export function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be strictly between 0 and 1, not ${confidence}`);
  }
}

/** A count: a non-negative whole number. */
export function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative whole number, not ${value}`);
  }
}

/** A per-item score: a number in [0, 1] (1 for a correct answer, 0 for a wrong one). */
export function checkScore(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) {
    throw new RangeError(`${name} must be a score in [0, 1], not ${value}`);
  }
}
