// CEL's duration(string) is Go's time.ParseDuration on the API server. @bufbuild/cel parses with
// exact integer arithmetic; Go computes the fraction of each component in float64
// (float64(f) * (float64(unit) / 10^digits)). The two agree whenever that float arithmetic is exact,
// which is what this module checks, so duration() is only evaluated offline where both give the
// same nanoseconds.
import { Unsupported } from './unsupported.ts';

const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  '\u00b5s': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const COMPONENT = /([0-9]+)(?:\.([0-9]+))?(ns|us|\u00b5s|ms|s|m|h)/gy;
/** @bufbuild/cel refuses longer strings; Go does not. */
const MAX_LENGTH = 128;

/**
 * Returns s when duration(s) gives the same result offline as on the API server (the same value, or
 * an error on both for a value beyond int64 nanoseconds); throws Unsupported otherwise.
 */
export function exactDurationString(s: string): string {
  if (s === '0') return s;
  if (s.length > MAX_LENGTH || s === '') throw new Unsupported(`duration('${s}')`);
  COMPONENT.lastIndex = 0;
  let end = 0;
  for (let match = COMPONENT.exec(s); match; match = COMPONENT.exec(s)) {
    const digits = match[2]?.length ?? 0;
    const scale = 10n ** BigInt(digits);
    // Exact in float64: the fraction and 10^digits (at most 15 digits), unit / 10^digits an
    // integer, and their product below the unit (< 2^53).
    if (digits > 15 || UNIT_NANOS[match[3]!]! % scale !== 0n) throw new Unsupported(`duration('${s}')`);
    end = COMPONENT.lastIndex;
  }
  if (end !== s.length) throw new Unsupported(`duration('${s}')`);
  return s;
}
