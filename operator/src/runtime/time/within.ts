import type { Clock, TimerHandle } from './clock.ts';

/** Whether `work` settles (either way) within `ms` on `clock`; the timer is cleared either way. */
export async function settlesWithin(work: Promise<unknown>, ms: number, clock: Clock): Promise<boolean> {
  let timer: TimerHandle | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = clock.setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      timedOut,
    ]);
  } finally {
    if (timer) clock.clearTimeout(timer);
  }
}
