import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  /** How long to wait before failing. Default 60 s. */
  timeoutMs?: number;
  /** How often to look again. Default 250 ms. */
  intervalMs?: number;
}

/** What a probe saw: `done` ends the wait with `value`; `seen` describes the state for the failure message. */
export interface Observation<T> {
  done: boolean;
  value?: T;
  seen: unknown;
}

/**
 * Polls `probe` until it reports done, and fails after the timeout with a message saying what was
 * expected and what was last seen, so a failing e2e test explains itself. Probe errors count as
 * "not yet" (the object may not exist yet) and are reported if the wait times out.
 */
export async function waitFor<T>(
  expected: string,
  probe: () => Promise<Observation<T>> | Observation<T>,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let lastSeen: unknown;
  for (;;) {
    try {
      const observation = await probe();
      if (observation.done) return observation.value as T;
      lastSeen = observation.seen;
    } catch (error) {
      lastSeen = `error: ${(error as Error).message}`;
    }
    if (Date.now() >= deadline) {
      const seen = typeof lastSeen === 'string' ? lastSeen : JSON.stringify(lastSeen, null, 2);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${expected}; last seen: ${seen}`);
    }
    await delay(intervalMs);
  }
}
