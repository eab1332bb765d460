import type { Cost, TokenUsage } from '../../api/v1alpha1/index.ts';
import { capAmount, parseMoney, tokenCost, type Nanos } from './money.ts';

/** A ProviderPolicy's prices (spec.cost) as exact amounts. */
export interface Prices {
  currency: string;
  input: Nanos;
  output: Nanos;
}

export function pricesOf(cost: Cost | undefined): Prices | undefined {
  if (!cost) return undefined;
  return {
    currency: cost.currency ?? 'USD',
    input: parseMoney(cost.inputPerMillionTokens),
    output: parseMoney(cost.outputPerMillionTokens),
  };
}

/** What `usage` costs at `prices`, capped at the most the API's decimal strings hold. */
export function usageCost(usage: TokenUsage, prices: Prices): Nanos {
  return capAmount(
    tokenCost(usage.inputTokens ?? 0, prices.input) + tokenCost(usage.outputTokens ?? 0, prices.output),
  );
}
