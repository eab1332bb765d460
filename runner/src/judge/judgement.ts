/** What the judge made of one answer, as the item's result carries it, and a judge that failed. */
import { ProviderError, type Usage } from '../providers/types.ts';

/** The `judge` field of an item's result. */
export interface JudgeRecord {
  /** The verdict's score; absent when the judge gave no usable verdict. */
  score?: number;
  /** The verdict's reason, shortened. */
  reason?: string;
  /** Why the judge's last reply was not a verdict (after its one retry): the item is not scored. */
  unparseable?: string;
  /** The human label of the item (calibration). */
  label?: number;
  /** The judge's tokens for this item, both replies when it was asked twice. */
  usage: Usage;
}

export interface Judgement {
  /** Score at or above the pass threshold; undefined when not scored. */
  correct: boolean | undefined;
  record: JudgeRecord;
}

/**
 * The judge's provider failed (after the judge pipeline's retries): the item fails with the judge's
 * failure kind, keeping the tokens the answer and the judge already cost.
 */
export class JudgeFailure extends ProviderError {
  readonly answerUsage: Usage;
  readonly judgeUsage: Usage;

  constructor(cause: ProviderError, answerUsage: Usage, judgeUsage: Usage) {
    super(cause.kind, `the judge: ${cause.message}`, {
      ...(cause.status !== undefined ? { status: cause.status } : {}),
      ...(cause.retryAfterMs !== undefined ? { retryAfterMs: cause.retryAfterMs } : {}),
      cause,
    });
    this.name = 'JudgeFailure';
    this.answerUsage = answerUsage;
    this.judgeUsage = judgeUsage;
  }
}
