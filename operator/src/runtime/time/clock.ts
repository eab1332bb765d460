/** Time as the runtime sees it; tests inject a FakeClock so queue and backoff logic run instantly. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly id: unknown;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    // Timers must never keep a shutting-down process alive; shutdown is explicit.
    timer.unref();
    return { id: timer };
  },
  clearTimeout(handle) {
    clearTimeout(handle.id as NodeJS.Timeout);
  },
};

/**
 * performance.now(): never steps with NTP or a manual clock change, so a duration measured on it
 * (a lease's expiry, a renew deadline) is the time that really passed. Only for durations: its
 * readings are not dates.
 */
export const monotonicClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => realClock.setTimeout(callback, ms),
  clearTimeout: (handle) => realClock.clearTimeout(handle),
};
