const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

/**
 * The value of a Kubernetes resource quantity ("500m", "2Gi", "1e3"), as a number: precise enough
 * to compare requests with limits, which is all the operator does with quantities.
 */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') return quantity;
  const match = QUANTITY.exec(quantity.trim());
  if (!match) throw new Error(`invalid quantity ${JSON.stringify(quantity)}`);
  const [, number, exponent, suffix = ''] = match;
  if (exponent) return Number(`${number}${exponent}`);
  return Number(number) * (BINARY[suffix] ?? DECIMAL[suffix]!);
}

/** Resource names whose request exceeds its limit: the API server would reject such a pod. */
export function requestsAboveLimits(resources: {
  requests?: Record<string, string | number>;
  limits?: Record<string, string | number>;
}): string[] {
  return Object.entries(resources.requests ?? {}).flatMap(([name, request]) => {
    const limit = resources.limits?.[name];
    return limit !== undefined && parseQuantity(request) > parseQuantity(limit) ? [name] : [];
  });
}
