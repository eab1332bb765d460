/**
 * How long a provider asked us to wait, from the headers (and bodies) providers actually send:
 * the standard Retry-After (seconds or HTTP-date), OpenAI's and Azure's `retry-after-ms`, and the
 * per-limit reset headers some providers send instead.
 */

/** Retry-After / retry-after-ms in milliseconds; undefined when absent or unreadable. */
export function standardRetryAfterMs(headers: Headers, nowMs: number): number | undefined {
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds !== null && isNumber(milliseconds)) return Math.max(0, Number(milliseconds));
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (isNumber(value)) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function isNumber(value: string): boolean {
  return /^\s*\d+(\.\d+)?\s*$/.test(value);
}

const DURATION_UNITS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
};

/**
 * A Go-style duration ("6m0s", "1.5s", "20ms") as OpenAI and Groq send in x-ratelimit-reset-*, or a
 * protobuf duration ("30s") as Google sends in RetryInfo; undefined when it is neither.
 */
export function parseDurationMs(value: string): number | undefined {
  const parts = [...value.trim().matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value.trim()) return undefined;
  return parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * DURATION_UNITS[unit!]!, 0);
}

/**
 * The longest reset among the limits that are used up (remaining "0"): each pair names the
 * remaining-count header and the reset header, whose value `parse` turns into milliseconds.
 */
export function exhaustedLimitResetMs(
  headers: Headers,
  limits: readonly (readonly [remaining: string, reset: string])[],
  parse: (value: string) => number | undefined,
): number | undefined {
  let longest: number | undefined;
  for (const [remaining, reset] of limits) {
    const resetValue = headers.get(reset);
    if (headers.get(remaining)?.trim() !== '0' || resetValue === null) continue;
    const ms = parse(resetValue);
    if (ms !== undefined) longest = Math.max(longest ?? 0, ms);
  }
  return longest;
}
