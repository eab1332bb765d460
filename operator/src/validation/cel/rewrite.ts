// Rewrites a parsed rule into what @bufbuild/cel can evaluate with the API server's meaning:
// - cel-go's two-variable comprehensions over lists, `l.transformList(i, v, [filter,] expr)` and
//   `l.transformMapEntry(i, v, [filter,] expr)`, become one-variable comprehensions over
//   `@pairs(l)` (the [index, value] pairs), binding i and v with one-element comprehensions, so
//   `l` is evaluated once and no user variable is captured;
// - `url(s).getHostname()` becomes `@urlHostname(s)` (url values are not used otherwise);
// - `duration(s)` becomes `duration(@exactDuration(s))`, which refuses strings Go would parse
//   differently (go-duration.ts).
// Anything else outside EVALUATED_FUNCTIONS makes the rule unsupported, reported with the reason.
import type { parse } from '@bufbuild/cel';
import { EVALUATED_FUNCTIONS, HELPERS } from './functions.ts';

type ParsedExpr = ReturnType<typeof parse>;
export type Expr = NonNullable<ParsedExpr['expr']>;
type Call = Extract<Expr['exprKind'], { case: 'callExpr' }>['value'];

const ACCUMULATOR = '@result';
const PAIR = '@pair';
const BOUND = '@bound';

class Builder {
  private nextId: bigint;

  constructor(root: Expr) {
    this.nextId = maxId(root) + 1n;
  }

  private expr(exprKind: Expr['exprKind']): Expr {
    return { $typeName: 'cel.expr.Expr', id: this.nextId++, exprKind };
  }

  ident(name: string): Expr {
    return this.expr({
      case: 'identExpr',
      value: { $typeName: 'cel.expr.Expr.Ident', name },
    });
  }

  call(fn: string, args: Expr[]): Expr {
    return this.expr({
      case: 'callExpr',
      value: { $typeName: 'cel.expr.Expr.Call', function: fn, args },
    });
  }

  int(value: bigint): Expr {
    return this.expr({
      case: 'constExpr',
      value: { $typeName: 'cel.expr.Constant', constantKind: { case: 'int64Value', value } },
    });
  }

  bool(value: boolean): Expr {
    return this.expr({
      case: 'constExpr',
      value: { $typeName: 'cel.expr.Constant', constantKind: { case: 'boolValue', value } },
    });
  }

  null(): Expr {
    return this.expr({
      case: 'constExpr',
      value: { $typeName: 'cel.expr.Constant', constantKind: { case: 'nullValue', value: 0 } },
    });
  }

  list(elements: Expr[]): Expr {
    return this.expr({
      case: 'listExpr',
      value: { $typeName: 'cel.expr.Expr.CreateList', elements, optionalIndices: [] },
    });
  }

  emptyMap(): Expr {
    return this.expr({
      case: 'structExpr',
      value: { $typeName: 'cel.expr.Expr.CreateStruct', entries: [], messageName: '' },
    });
  }

  fold(iterVar: string, iterRange: Expr, accuVar: string, accuInit: Expr, step: Expr): Expr {
    return this.expr({
      case: 'comprehensionExpr',
      value: {
        $typeName: 'cel.expr.Expr.Comprehension',
        iterVar,
        iterVar2: '',
        iterRange,
        accuVar,
        accuInit,
        loopCondition: this.bool(true),
        loopStep: step,
        result: this.ident(accuVar),
      },
    });
  }

  /** `body` with `name` bound to `value`: a comprehension over the one-element list [value]. */
  bind(name: string, value: Expr, body: Expr): Expr {
    return this.fold(name, this.list([value]), BOUND, this.null(), body);
  }
}

function maxId(expr: unknown): bigint {
  let max = 0n;
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const id = (node as { id?: unknown }).id;
    if (typeof id === 'bigint' && id > max) max = id;
    for (const value of Object.values(node)) visit(value);
  };
  visit(expr);
  return max;
}

const identName = (expr: Expr | undefined): string | undefined =>
  expr?.exprKind.case === 'identExpr' ? expr.exprKind.value.name : undefined;

/** A function a rule uses that cannot be evaluated offline. */
export class UnsupportedFunction extends Error {}

function twoVariable(b: Builder, call: Call, target: Expr, args: Expr[]): Expr {
  const [first, second, ...rest] = args;
  const indexVar = identName(first);
  const valueVar = identName(second);
  if (indexVar === undefined || valueVar === undefined || (rest.length !== 1 && rest.length !== 2)) {
    throw new UnsupportedFunction(`${call.function} with these arguments`);
  }
  const [filter, transform] = rest.length === 2 ? rest : [undefined, rest[0]!];
  const accumulator = b.ident(ACCUMULATOR);
  const added =
    call.function === 'transformList'
      ? b.call('_+_', [accumulator, b.list([transform])])
      : b.call(HELPERS.mapInsertAll, [accumulator, transform]);
  const step = filter ? b.call('_?_:_', [filter, added, b.ident(ACCUMULATOR)]) : added;
  const pairItem = (i: bigint) => b.call('_[_]', [b.ident(PAIR), b.int(i)]);
  const bound = b.bind(indexVar, pairItem(0n), b.bind(valueVar, pairItem(1n), step));
  const init = call.function === 'transformList' ? b.list([]) : b.emptyMap();
  return b.fold(PAIR, b.call(HELPERS.pairs, [target]), ACCUMULATOR, init, bound);
}

function rewriteCall(b: Builder, call: Call, visit: (e: Expr) => Expr): Expr | undefined {
  // url(s) has no other use in our rules than url(s).getHostname(): one function of s.
  const url = call.target?.exprKind.case === 'callExpr' ? call.target.exprKind.value : undefined;
  if (call.function === 'getHostname' && url?.function === 'url' && !url.target && url.args.length === 1) {
    return b.call(HELPERS.urlHostname, [visit(url.args[0]!)]);
  }
  const target = call.target ? visit(call.target) : undefined;
  const args = call.args.map(visit);
  if ((call.function === 'transformList' || call.function === 'transformMapEntry') && target) {
    return twoVariable(b, call, target, args);
  }
  if (call.function === 'duration' && !target && args.length === 1) {
    return b.call('duration', [b.call(HELPERS.exactDuration, args)]);
  }
  if (!EVALUATED_FUNCTIONS.has(call.function)) throw new UnsupportedFunction(`${call.function}()`);
  call.target = target;
  call.args = args;
  return undefined;
}

/** The rule's expression, rewritten; throws UnsupportedFunction naming what cannot be evaluated. */
export function rewrite(parsed: ParsedExpr): Expr {
  const root = parsed.expr;
  if (!root) throw new UnsupportedFunction('an empty expression');
  const b = new Builder(root);
  const visit = (expr: Expr): Expr => {
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'callExpr':
        return rewriteCall(b, kind.value, visit) ?? expr;
      case 'selectExpr':
        if (kind.value.operand) kind.value.operand = visit(kind.value.operand);
        return expr;
      case 'listExpr':
        kind.value.elements = kind.value.elements.map(visit);
        return expr;
      case 'structExpr':
        if (kind.value.messageName !== '') throw new UnsupportedFunction(`message ${kind.value.messageName}`);
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case === 'mapKey') entry.keyKind.value = visit(entry.keyKind.value);
          if (entry.value) entry.value = visit(entry.value);
        }
        return expr;
      case 'comprehensionExpr': {
        const c = kind.value;
        for (const key of ['iterRange', 'accuInit', 'loopCondition', 'loopStep', 'result'] as const) {
          if (c[key]) c[key] = visit(c[key]);
        }
        return expr;
      }
      default:
        return expr;
    }
  };
  return visit(root);
}
