/**
 * Time as the request pipeline sees it. Tests pass a fake clock (the shape is the operator
 * runtime's Clock, so its FakeClock fits) to run minutes of rate limiting instantly.
 */
export interface TimerHandle {
  readonly id: unknown;
}

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Real time. Unlike the operator's, these timers keep the process alive: a runner waiting for its
 * rate budget has nothing else keeping it alive, and would otherwise exit mid-benchmark.
 */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => ({ id: setTimeout(callback, ms) }),
  clearTimeout: (handle) => clearTimeout(handle.id as NodeJS.Timeout),
};

/** Waits `ms` on `clock`; rejects with the signal's reason as soon as it aborts (the timer is cleared). */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
