// Evaluates a manifest's x-kubernetes-validations rules offline, walking data and schema together
// as the API server's CEL validator does on create (k8s.io/apiextensions-apiserver
// pkg/apiserver/schema/cel/validation.go): at each node, its rules with `self` bound to the node,
// then its properties, map values and list items. Field errors are worded as the server words them;
// a rule that cannot be evaluated soundly is returned as skipped, with the reason.
import { parse, type CelInput } from '@bufbuild/cel';
import type { FieldError } from '../validate.ts';
import { goValue } from '../go-format.ts';
import { compile, convert } from './program.ts';
import { rootToCel, toCel, type Schema } from './values.ts';

export interface SkippedRule {
  /** The field the rule is attached to (empty for the object itself). */
  path: string;
  rule: string;
  reason: string;
}

export interface CelResult {
  errors: FieldError[];
  skipped: SkippedRule[];
}

interface Rule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
  optionalOldSelf?: boolean;
}

/** What the server allows a messageExpression to produce (celconfig.MaxEvaluatedMessageExpressionSizeBytes). */
const MAX_MESSAGE_BYTES = 5 * 1024;

const display = (path: string) => (path === '' ? '<nil>' : path);
const child = (path: string, name: string) => (path === '' ? name : `${path}.${name}`);
const sub = (schema: Schema, keyword: string): Schema | undefined => {
  const value = schema[keyword];
  return typeof value === 'object' && value !== null ? (value as Schema) : undefined;
};

/** ruleErrorString: the message when there is one, else the rule. */
const ruleText = (rule: Rule) => (rule.message ? rule.message.trim() : rule.rule.trim());

/** `.spec.failover` or `['a.b']` → the path the server appends to the node's. */
function normalizedFieldPath(fieldPath: string): string {
  return fieldPath
    .replace(/\['((?:[^'\\]|\\.)*)'\]/g, (_m, key: string) => `[${key.replace(/\\(.)/g, '$1')}]`)
    .replace(/^\./, '');
}

const oldSelfCache = new Map<string, boolean>();
/** Transition rules (using oldSelf) are not evaluated on create. */
function usesOldSelf(source: string): boolean {
  let uses = oldSelfCache.get(source);
  if (uses === undefined) {
    uses = false;
    const visit = (node: unknown): void => {
      if (uses || typeof node !== 'object' || node === null) return;
      const kind = (node as { exprKind?: { case?: string; value?: { name?: string } } }).exprKind;
      if (kind?.case === 'identExpr' && kind.value?.name === 'oldSelf') uses = true;
      for (const value of Object.values(node)) visit(value);
    };
    try {
      visit(parse(source).expr);
    } catch {
      uses = false; // compile() reports a rule that does not parse
    }
    oldSelfCache.set(source, uses);
  }
  return uses;
}

/** fieldErrorForReason: the error the server reports for a rule that evaluated to false. */
function ruleError(
  path: string,
  value: unknown,
  omitValue: boolean,
  detail: string,
  reason?: string,
): FieldError {
  const at = display(path);
  const shown = omitValue ? '' : `: ${goValue(value)}`;
  switch (reason) {
    case 'FieldValueForbidden':
      return { path, type: 'FieldValueForbidden', message: `${at}: Forbidden: ${detail}` };
    case 'FieldValueRequired':
      return { path, type: 'FieldValueRequired', message: `${at}: Required value: ${detail}` };
    case 'FieldValueDuplicate':
      return { path, type: 'FieldValueDuplicate', message: `${at}: Duplicate value${shown}` };
    default:
      return { path, type: 'FieldValueInvalid', message: `${at}: Invalid value${shown}: ${detail}` };
  }
}

/** The messageExpression's result when it is a usable message, as evalMessageExpression checks it. */
function evaluatedMessage(rule: Rule, self: CelInput): { message?: string; skipped?: string } {
  if (!rule.messageExpression) return {};
  const outcome = compile(rule.messageExpression)(self);
  if (outcome.kind === 'unsupported') return { skipped: outcome.reason };
  if (outcome.kind === 'error' || typeof outcome.value !== 'string') return {};
  const message = outcome.value.trim();
  const bytes = Buffer.byteLength(message);
  if (bytes === 0 || bytes > MAX_MESSAGE_BYTES || message.includes('\n')) return {};
  return { message };
}

function evaluateNode(data: unknown, schema: Schema, path: string, isRoot: boolean, out: CelResult): void {
  const rules = (schema['x-kubernetes-validations'] ?? []) as Rule[];
  if (rules.length > 0) {
    const converted = convert(() =>
      isRoot ? rootToCel(data as Record<string, unknown>, schema) : toCel(data, schema),
    );
    const type = typeof schema.type === 'string' ? schema.type : '';
    for (const rule of rules) {
      if (usesOldSelf(rule.rule)) {
        if (rule.optionalOldSelf) out.skipped.push({ path, rule: rule.rule, reason: 'uses oldSelf' });
        continue;
      }
      if ('unsupported' in converted) {
        out.skipped.push({ path, rule: rule.rule, reason: converted.unsupported });
        continue;
      }
      const outcome = compile(rule.rule)(converted.self);
      if (outcome.kind === 'unsupported') {
        out.skipped.push({ path, rule: rule.rule, reason: outcome.reason });
        continue;
      }
      if (outcome.kind === 'error') {
        out.errors.push({
          path,
          type: 'FieldValueInvalid',
          message: `${display(path)}: Invalid value: "${type}": ${outcome.message} evaluating rule: ${ruleText(rule)}`,
        });
        continue;
      }
      if (outcome.value === true) continue;
      const at = rule.fieldPath ? child(path, normalizedFieldPath(rule.fieldPath)) : path;
      const { message, skipped } = evaluatedMessage(rule, converted.self);
      if (skipped) {
        out.skipped.push({ path, rule: rule.messageExpression!, reason: `messageExpression ${skipped}` });
      }
      const detail = message ?? (rule.message ? rule.message.trim() : `failed rule: ${ruleText(rule)}`);
      out.errors.push(ruleError(at, data, type === 'object' || type === 'array', detail, rule.reason));
    }
  }
  if (Array.isArray(data)) {
    const items = sub(schema, 'items');
    if (items)
      data.forEach((item, i) => item !== null && evaluateNode(item, items, `${path}[${i}]`, false, out));
    return;
  }
  if (typeof data !== 'object' || data === null) return;
  const properties = sub(schema, 'properties');
  const additional = sub(schema, 'additionalProperties');
  for (const [key, value] of Object.entries(data)) {
    if (value === null) continue;
    if (isRoot && (key === 'metadata' || key === 'status')) continue;
    const property = sub(properties ?? {}, key);
    if (property) evaluateNode(value, property, child(path, key), false, out);
    else if (additional) evaluateNode(value, additional, `${path}[${key}]`, false, out);
  }
}

/**
 * The rule failures of a manifest that passed the structural checks, with the CRD's defaults
 * applied (the server evaluates rules after defaulting). The status is not evaluated: on create the
 * server drops it before validation.
 */
export function evaluateRules(data: Record<string, unknown>, schema: Schema): CelResult {
  const out: CelResult = { errors: [], skipped: [] };
  evaluateNode(data, schema, '', true, out);
  return out;
}
