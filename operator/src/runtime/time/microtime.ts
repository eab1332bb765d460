/**
 * Formats a metav1.MicroTime: RFC 3339 with exactly six fractional digits. The API server rejects
 * Lease and Event timestamps in `Date.toISOString()` form (three digits), so every MicroTime the
 * runtime writes goes through here.
 */
export function microTime(date: Date): string {
  const iso = date.toISOString(); // 2026-11-22T08:00:00.123Z
  return `${iso.slice(0, 23)}000Z`;
}

/** Parses a MicroTime (or any RFC 3339 time); sub-millisecond digits are dropped as JS dates cannot hold them. */
export function parseMicroTime(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`not a timestamp: ${value}`);
  return date;
}
