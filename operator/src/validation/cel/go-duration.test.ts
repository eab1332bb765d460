import { describe, expect, it } from 'vitest';
import { exactDurationString } from './go-duration.ts';
import { Unsupported } from './unsupported.ts';

describe('exactDurationString', () => {
  it.each(['0', '30s', '1h30m', '1.5h', '0.25s', '10.000000001s', '1.12345678901h', '2.5us', '3\u00b5s'])(
    'lets %s through: float64 and exact arithmetic agree',
    (s) => expect(exactDurationString(s)).toBe(s),
  );

  it.each([
    '0.0000000001s',
    '1.5ns',
    '0.1234567ms',
    '1.123456789012h',
    '1d',
    '-1s',
    '.5s',
    '',
    '1s'.repeat(65),
  ])('refuses %s', (s) => expect(() => exactDurationString(s)).toThrow(Unsupported));
});
