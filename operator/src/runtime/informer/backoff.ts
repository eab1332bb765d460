/**
 * Exponential backoff with full jitter for watch reconnects (client-go's reflector uses 800 ms to
 * 30 s with jitter 1.0): without jitter, every operator replica and informer would reconnect in
 * lockstep after an API server restart.
 */
export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: { initialMs?: number; maxMs?: number; random?: () => number } = {}) {
    this.initialMs = options.initialMs ?? 800;
    this.maxMs = options.maxMs ?? 30_000;
    this.random = options.random ?? Math.random;
  }

  /** The next wait: the exponential step plus up to 100% of it as jitter, capped. */
  next(): number {
    const step = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.min(this.maxMs, Math.round(step * (1 + this.random())));
  }

  reset(): void {
    this.attempt = 0;
  }
}
