const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/**
 * Parses a Go duration string ("45m", "1h30m", "1.5s"), the format the CRDs validate with CEL's
 * `duration()`, into milliseconds. Throws on anything else, so a value that slipped past the API
 * server becomes a clear error instead of a NaN.
 */
export function parseDuration(text: string): number {
  let rest = text.trim();
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new Error(`invalid duration ${JSON.stringify(text)}`);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < rest.length) {
    const start = PART.lastIndex;
    const match = PART.exec(rest);
    if (!match || match.index !== start) throw new Error(`invalid duration ${JSON.stringify(text)}`);
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return sign * total;
}

/** Whole seconds, rounded up so a deadline is never shorter than asked. */
export function durationSeconds(text: string): number {
  return Math.ceil(parseDuration(text) / 1000);
}
