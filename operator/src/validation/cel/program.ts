// One x-kubernetes-validations rule, compiled once for offline evaluation.
import { celEnv, isCelError, parse, plan, type CelInput, type CelValue } from '@bufbuild/cel';
import { functions } from './functions.ts';
import { rewrite, UnsupportedFunction } from './rewrite.ts';
import { Unsupported, unsupportedReason } from './unsupported.ts';

export type Outcome =
  | { kind: 'value'; value: CelValue }
  | { kind: 'error'; message: string }
  | { kind: 'unsupported'; reason: string };

export type Program = (self: CelInput) => Outcome;

const env = celEnv({ funcs: functions });

function compileExpression(source: string): Program {
  let evaluate: (bindings: { self: CelInput }) => unknown;
  try {
    evaluate = plan(env, rewrite(parse(source)));
  } catch (error) {
    const reason =
      error instanceof UnsupportedFunction
        ? `uses ${error.message}, which is not evaluated offline`
        : `does not compile offline: ${(error as Error).message}`;
    return () => ({ kind: 'unsupported', reason });
  }
  return (self) => {
    let result: unknown;
    try {
      result = evaluate({ self });
    } catch (error) {
      // The evaluator reports CEL errors as values; a throw is a gap of the evaluator itself.
      return { kind: 'unsupported', reason: `the evaluator failed: ${(error as Error).message}` };
    }
    if (!isCelError(result)) return { kind: 'value', value: result as CelValue };
    const reason = unsupportedReason(result);
    return reason !== undefined
      ? { kind: 'unsupported', reason }
      : { kind: 'error', message: result.message };
  };
}

const cache = new Map<string, Program>();

/** The compiled expression (cached by source). */
export function compile(source: string): Program {
  let program = cache.get(source);
  if (!program) {
    program = compileExpression(source);
    cache.set(source, program);
  }
  return program;
}

/** Converts data to a CEL value, or says why it cannot be. */
export function convert(fn: () => CelInput): { self: CelInput } | { unsupported: string } {
  try {
    return { self: fn() };
  } catch (error) {
    if (error instanceof Unsupported) return { unsupported: unsupportedReason(error)! };
    throw error;
  }
}
