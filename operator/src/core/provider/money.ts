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

/**
 * The largest amount the API's decimal strings hold (15 digits, 9 decimals): prices, budgets and
 * spend. A budget's limit is never above it, so spend capped at it still exhausts any budget.
 */
export const MAX_AMOUNT: Nanos = 10n ** 24n - 1n;

/** An amount the API can hold: at most MAX_AMOUNT. */
export const capAmount = (nanos: Nanos): Nanos => (nanos > MAX_AMOUNT ? MAX_AMOUNT : nanos);

/**
 * A token count as it is charged: a whole number from 0 to 2^53 - 1, the int64 token counts of
 * status that JS counts exactly (what a suite's status shows of the same usage). A runner's absurd
 * or combined count (1e300, Infinity) is charged as the most, never thrown on.
 */
export function chargedTokens(tokens: number): number {
  if (Number.isNaN(tokens) || tokens <= 0) return 0;
  return Math.min(Number.MAX_SAFE_INTEGER, Math.round(tokens));
}

/** tokens × price per million tokens, rounded half up to the nano-unit. */
export function tokenCost(tokens: number, pricePerMillion: Nanos): Nanos {
  const product = BigInt(chargedTokens(tokens)) * pricePerMillion;
  return (product + 500_000n) / 1_000_000n;
}

/** The mean of `total` over `count` items, rounded half up (0 when there are none). */
export function average(total: Nanos, count: number): Nanos {
  if (count <= 0) return 0n;
  const n = BigInt(count);
  return (total + n / 2n) / n;
}
