import { describe, expect, it } from 'vitest';
import { EXACT_QUEUE_PLACES, placeInLine } from './pass-usage.ts';

describe('placeInLine', () => {
  it.each([
    [0, '; first in line'],
    [1, '; 1 run ahead of this one'],
    [2, '; 2 runs ahead of this one'],
    [EXACT_QUEUE_PLACES - 1, '; 99 runs ahead of this one'],
    [EXACT_QUEUE_PLACES, '; 100 or more runs ahead of this one'],
    [999, '; 100 or more runs ahead of this one'],
    [1_000, '; 1,000 or more runs ahead of this one'],
    [99_999, '; 10,000 or more runs ahead of this one'],
    [1_000_000, '; 1,000,000 or more runs ahead of this one'],
  ])('%i runs ahead: "%s"', (ahead, text) => {
    expect(placeInLine(ahead)).toBe(text);
  });
});
