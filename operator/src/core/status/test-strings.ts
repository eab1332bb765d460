/** Every string in a status, keys included: what the status tests check for well-formedness and length. */
export function statusStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => statusStrings(v, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      statusStrings(v, out);
    }
  }
  return out;
}
