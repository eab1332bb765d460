import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTimeout } from './timeout.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('withTimeout', () => {
  it('aborts a call that outlasts the timeout with a TimeoutError, as AbortSignal.timeout does', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const call = withTimeout(
      1_000,
      controller,
      () =>
        new Promise<never>((_, reject) =>
          controller.signal.addEventListener('abort', () => reject(controller.signal.reason)),
        ),
    );
    const failed = expect(call).rejects.toMatchObject({ name: 'TimeoutError' });
    await vi.advanceTimersByTimeAsync(1_000);
    await failed;
  });

  it('leaves no timer behind once the call has ended', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    await expect(withTimeout(60_000, controller, () => Promise.resolve('answer'))).resolves.toBe('answer');
    await expect(withTimeout(60_000, controller, () => Promise.reject(new Error('refused')))).rejects.toThrow(
      'refused',
    );
    expect(vi.getTimerCount()).toBe(0);
    expect(controller.signal.aborted).toBe(false);
  });
});
