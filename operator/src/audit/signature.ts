import { createHmac } from 'node:crypto';

/** The header a receiver verifies (docs/audit.md): `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'x-bench-signature';

/**
 * Signs a request body: an HMAC-SHA256 with the shared key over `<timestamp>.<body>`, so a
 * receiver can check who sent it and that it is recent (the timestamp is signed too; a replay
 * outside its window is rejected, one inside it is a duplicate id).
 */
export function signatureHeader(body: string, key: Buffer, timestampSeconds: number): string {
  const mac = createHmac('sha256', key).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}
