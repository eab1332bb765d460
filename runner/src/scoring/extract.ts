/**
 * Reading an answer out of a model's free text, the way evaluation harnesses do: the final number
 * of a worked solution (GSM8K), the letter of a multiple-choice answer, a JSON value in a reply that
 * may wrap it in prose or a code fence.
 */

/** A number as models write it: sign, thousands separators, decimals, a currency sign before it. */
const NUMBER = /-?[$€£]?\d[\d,]*(?:\.\d+)?/g;

/** "1,234.50" or "$12" as a number; undefined when it is not one. */
export function parseNumber(text: string): number | undefined {
  const cleaned = text
    .trim()
    .replace(/^(-?)[$€£]/, '$1')
    .replaceAll(',', '');
  if (!/^-?(\d+(\.\d+)?|\.\d+)$/.test(cleaned)) return undefined;
  return Number(cleaned);
}

function lastNumberIn(text: string): number | undefined {
  const found = text.match(NUMBER);
  return found ? parseNumber(found.at(-1)!) : undefined;
}

/**
 * The final answer of a worked solution: after GSM8K's "####" marker when there is one, else after
 * the last "answer is" / "answer:", else the last number of the text.
 */
export function extractFinalNumber(output: string): number | undefined {
  const marker = output.lastIndexOf('####');
  if (marker >= 0) {
    const afterMarker = output.slice(marker + 4).match(NUMBER)?.[0];
    if (afterMarker !== undefined) return parseNumber(afterMarker);
  }
  const stated = [...output.matchAll(/answer(?: is)?\s*[:=]?\s*(-?[$€£]?\d[\d,]*(?:\.\d+)?)/gi)].at(-1);
  if (stated) return parseNumber(stated[1]!);
  return lastNumberIn(output);
}

/**
 * The letter of a multiple-choice answer: the last "answer is (B)" / "Answer: B"; else a reply that
 * is just the letter ("B", "(B)", "B."); else a reply that starts with it ("B) Paris", "C. 42").
 */
export function extractChoice(output: string): string | undefined {
  const text = output.trim();
  // The letter in capitals only: "the answer is a dog" names no choice.
  const stated = [...text.matchAll(/\b[Aa]nswer(?:\s+is)?\s*[:=]?\s*\(?([A-Z])(?![A-Za-z])/g)].at(-1);
  if (stated) return stated[1];
  const alone = /^\(?([A-Za-z])\)?[.):]?$/.exec(text);
  if (alone) return alone[1]!.toUpperCase();
  const leading = /^\(?([A-Z])(?:[.):]|\s*-)\s/.exec(text);
  return leading?.[1];
}

function tryJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/**
 * A JSON value from a reply: the whole reply, else the content of its first ``` code fence, else
 * the text from its first `{` or `[` to the last matching bracket.
 */
export function extractJson(output: string): { value: unknown } | undefined {
  const text = output.trim();
  const whole = tryJson(text);
  if (whole) return whole;
  const fenced = /```[a-zA-Z]*\s*\n([\s\S]*?)```/.exec(text);
  if (fenced) {
    const inFence = tryJson(fenced[1]!.trim());
    if (inFence) return inFence;
  }
  const start = text.search(/[[{]/);
  if (start < 0) return undefined;
  const close = text[start] === '{' ? '}' : ']';
  const end = text.lastIndexOf(close);
  return end > start ? tryJson(text.slice(start, end + 1)) : undefined;
}
