/**
 * Money as exact fixed-point: BigInt counts of nano-units (9 decimal places, the precision the
 * CRD's decimal strings allow). Prices and budgets are decimal strings in the API, so that no
 * float rounding ever decides whether a budget is exhausted.
 */
export type Nanos = bigint;

const SCALE = 9;
const FACTOR = 10n ** BigInt(SCALE);
const DECIMAL = /^(\d+)(?:\.(\d{1,9}))?$/;

export function parseMoney(text: string): Nanos {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new Error(`invalid decimal amount ${JSON.stringify(text)}`);
  return BigInt(match[1]!) * FACTOR + BigInt((match[2] ?? '').padEnd(SCALE, '0'));
}

/** The shortest decimal string of an amount ("12.5", "0", "0.000000001"). */
export function formatMoney(nanos: Nanos): string {
  const whole = nanos / FACTOR;
  const fraction = (nanos % FACTOR).toString().padStart(SCALE, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

/** tokens × price per million tokens, rounded half up to the nano-unit. */
export function tokenCost(tokens: number, pricePerMillion: Nanos): Nanos {
  const product = BigInt(Math.max(0, Math.round(tokens))) * pricePerMillion;
  return (product + 500_000n) / 1_000_000n;
}

/** The mean of `total` over `count` items, rounded half up (0 when there are none). */
export function average(total: Nanos, count: number): Nanos {
  if (count <= 0) return 0n;
  const n = BigInt(count);
  return (total + n / 2n) / n;
}
