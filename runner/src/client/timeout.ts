/**
 * A per-call timeout that aborts like AbortSignal.timeout (the reason is a TimeoutError, which the
 * adapters report as the provider being unavailable) but whose timer is cleared the moment the call
 * ends. AbortSignal.timeout's timer stays until it fires and keeps its signal, and every signal
 * combined with it by AbortSignal.any, in memory until then: at an instant provider's pace with a
 * one-minute timeout that is hundreds of megabytes, and it costs four times the CPU.
 */
export async function withTimeout<T>(
  ms: number,
  controller: AbortController,
  call: () => Promise<T>,
): Promise<T> {
  const timer = setTimeout(
    () => controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')),
    ms,
  );
  try {
    return await call();
  } finally {
    clearTimeout(timer);
  }
}
