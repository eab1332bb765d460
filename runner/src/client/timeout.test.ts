import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTimeout } from './timeout.ts';

afterEach(() => {
  vi.useRealTimers();
});

/** A call that never answers and rejects with its signal's reason when aborted. */
const hanging = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

describe('withTimeout', () => {
  it('aborts a call that outlasts the timeout with a TimeoutError, as AbortSignal.timeout does', async () => {
    vi.useFakeTimers();
    const call = withTimeout(1_000, undefined, hanging);
    const failed = expect(call).rejects.toMatchObject({ name: 'TimeoutError' });
    await vi.advanceTimersByTimeAsync(1_000);
    await failed;
  });

  it("passes the caller's abort on with the caller's reason", async () => {
    const caller = new AbortController();
    const call = withTimeout(60_000, caller.signal, hanging);
    const reason = new Error('SIGTERM');
    caller.abort(reason);
    await expect(call).rejects.toBe(reason);
  });

  it('leaves no timer behind once the call has ended', async () => {
    vi.useFakeTimers();
    await expect(withTimeout(60_000, undefined, async () => 'answer')).resolves.toBe('answer');
    await expect(withTimeout(60_000, undefined, () => Promise.reject(new Error('refused')))).rejects.toThrow(
      'refused',
    );
    expect(vi.getTimerCount()).toBe(0);
  });
});
