/**
 * A budget per sliding window, as providers enforce their per-minute limits: whatever is spent
 * counts against the budget for exactly one window from the moment it was spent. Put as a token
 * bucket, each spent token comes back one window after it was spent, not a bit every second: a
 * bucket refilling continuously with a burst the size of the budget lets through up to twice the
 * budget within one minute, which a provider answers with 429s.
 */
export interface Spend {
  readonly at: number;
  amount: number;
}

/** Compact the ledger once this many expired spends have piled up at its head. */
const COMPACT_AFTER = 1024;

export class SlidingWindowBudget {
  readonly budget: number;
  readonly windowMs: number;
  /** Spends in the order they were made (so in time order); those before `head` have expired. */
  private spends: Spend[] = [];
  private head = 0;
  private inWindow = 0;

  constructor(budget: number, windowMs = 60_000) {
    this.budget = budget;
    this.windowMs = windowMs;
  }

  /**
   * Milliseconds from `now` until `amount` more fits the window (0: it fits now). An amount larger
   * than the whole budget is taken as the whole budget: it waits for an empty window.
   */
  waitFor(amount: number, now: number): number {
    this.expire(now);
    let excess = this.inWindow + this.charge(amount) - this.budget;
    if (excess <= 0) return 0;
    // The oldest spends expire first; the wait ends when enough of them have.
    let index = this.head;
    while (excess > 0) excess -= this.spends[index++]!.amount;
    return this.spends[index - 1]!.at + this.windowMs - now;
  }

  /** Spends `amount` (at most the budget) at `now`, whether or not it fits: call waitFor first. */
  spend(amount: number, now: number): Spend {
    this.expire(now);
    const spend = { at: now, amount: this.charge(amount) };
    this.spends.push(spend);
    this.inWindow += spend.amount;
    return spend;
  }

  /** Replaces an estimate with what was actually used; a spend whose window is over is left alone. */
  correct(spend: Spend, amount: number, now: number): void {
    this.expire(now);
    if (now - spend.at >= this.windowMs) return;
    const actual = Math.ceil(amount);
    this.inWindow += actual - spend.amount;
    spend.amount = actual;
  }

  /** Whole units, so the running sum stays exact. */
  private charge(amount: number): number {
    return Math.min(Math.ceil(amount), this.budget);
  }

  private expire(now: number): void {
    while (this.head < this.spends.length && now - this.spends[this.head]!.at >= this.windowMs) {
      this.inWindow -= this.spends[this.head++]!.amount;
    }
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.spends.length) {
      this.spends = this.spends.slice(this.head);
      this.head = 0;
    }
  }
}
