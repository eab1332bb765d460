import { describe, expect, it } from 'vitest';
import { evaluateRules } from './evaluate.ts';
import type { Schema } from './values.ts';

/** A root object whose `spec.value` (of the given schema) carries the given rules. */
function schemaWith(
  value: Schema,
  rules: Array<Record<string, unknown>>,
  at: 'value' | 'spec' = 'value',
): Schema {
  const spec: Schema = { type: 'object', properties: { value } };
  if (at === 'spec')
    return { type: 'object', properties: { spec: { ...spec, 'x-kubernetes-validations': rules } } };
  return {
    type: 'object',
    properties: { spec: { ...spec, properties: { value: { ...value, 'x-kubernetes-validations': rules } } } },
  };
}

const run = (value: unknown, schema: Schema, rules: Array<Record<string, unknown>>, at?: 'value' | 'spec') =>
  evaluateRules({ metadata: { name: 'x' }, spec: { value } }, schemaWith(schema, rules, at));

const STRING: Schema = { type: 'string' };

describe('evaluateRules', () => {
  it('passes a rule that holds and reports one that fails with its message and the value', () => {
    expect(run('abc', STRING, [{ rule: "self.startsWith('a')", message: 'starts with a' }])).toEqual({
      errors: [],
      skipped: [],
    });
    expect(run('xyz', STRING, [{ rule: "self.startsWith('a')", message: ' starts with a ' }]).errors).toEqual(
      [
        {
          path: 'spec.value',
          type: 'FieldValueInvalid',
          message: 'spec.value: Invalid value: "xyz": starts with a',
        },
      ],
    );
  });

  it('words failures by reason and fieldPath, omitting the value of objects, as the server does', () => {
    const rules = (reason?: string) => [
      {
        rule: 'has(self.value) && self.value != "x"',
        message: 'no x',
        fieldPath: '.value',
        ...(reason ? { reason } : {}),
      },
    ];
    const messages = (reason?: string) =>
      run('x', STRING, rules(reason), 'spec').errors.map((e) => `${e.type} ${e.message}`);
    expect(messages()).toEqual(['FieldValueInvalid spec.value: Invalid value: no x']);
    expect(messages('FieldValueForbidden')).toEqual(['FieldValueForbidden spec.value: Forbidden: no x']);
    expect(messages('FieldValueRequired')).toEqual(['FieldValueRequired spec.value: Required value: no x']);
    expect(messages('FieldValueDuplicate')).toEqual(['FieldValueDuplicate spec.value: Duplicate value']);
  });

  it('uses messageExpression, falling back to message or the rule when it fails or is empty', () => {
    const rule = { rule: 'self.size() < 2', messageExpression: "'too long: ' + self" };
    expect(run('abc', STRING, [rule]).errors[0]!.message).toBe(
      'spec.value: Invalid value: "abc": too long: abc',
    );
    const failing = { rule: 'self.size() < 2', messageExpression: 'self.nothing', message: 'fallback' };
    expect(run('abc', STRING, [failing]).errors[0]!.message).toBe(
      'spec.value: Invalid value: "abc": fallback',
    );
    const empty = { rule: 'self.size() < 2', messageExpression: "' '" };
    expect(run('abc', STRING, [empty]).errors[0]!.message).toBe(
      'spec.value: Invalid value: "abc": failed rule: self.size() < 2',
    );
  });

  it('reports an evaluation error as the server does, naming the rule', () => {
    const errors = run({}, { type: 'object' }, [{ rule: 'self.missing == 1' }]).errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(
      /^spec\.value: Invalid value: "object": .* evaluating rule: self\.missing == 1$/,
    );
  });

  it('gives integer fields CEL ints and evaluates rules on list items and map values with their paths', () => {
    const item: Schema = {
      type: 'integer',
      'x-kubernetes-validations': [{ rule: 'self < 10', message: 'small' }],
    };
    const list: Schema = { type: 'array', items: item };
    expect(run([1, 20], list, []).errors.map((e) => e.message)).toEqual([
      'spec.value[1]: Invalid value: 20: small',
    ]);
    const map: Schema = { type: 'object', additionalProperties: item };
    expect(run({ a: 30 }, map, []).errors.map((e) => e.message)).toEqual([
      'spec.value[a]: Invalid value: 30: small',
    ]);
    expect(run(3, { type: 'integer' }, [{ rule: 'self == 3 && type(self) == int' }]).skipped).toHaveLength(1);
    expect(run(3, { type: 'integer' }, [{ rule: 'self + 1 == 4' }])).toEqual({ errors: [], skipped: [] });
  });

  it('evaluates rules at the root with metadata reduced to name and generateName', () => {
    const schema: Schema = {
      type: 'object',
      'x-kubernetes-validations': [
        { rule: 'size(self.metadata.name) <= 5 && !has(self.metadata.labels)', message: 'short' },
      ],
    };
    expect(evaluateRules({ metadata: { name: 'abc', labels: { a: 'b' } } }, schema).errors).toEqual([]);
    expect(evaluateRules({ metadata: { name: 'abcdef' } }, schema).errors.map((e) => e.message)).toEqual([
      '<nil>: Invalid value: short',
    ]);
    // A generated name is 5 characters longer than generateName.
    expect(evaluateRules({ metadata: { generateName: 'a' } }, schema).errors).toHaveLength(1);
  });

  it('evaluates two-variable comprehensions and distinct() as cel-go does', () => {
    const list: Schema = { type: 'array', items: STRING };
    const holds = (rule: string, value: unknown = ['a', 'b', 'a']) => {
      const result = run(value, list, [{ rule }]);
      expect(result.skipped).toEqual([]);
      return result.errors.length === 0;
    };
    expect(holds("self.distinct() == ['a', 'b']")).toBe(true);
    expect(holds("self.transformList(i, v, i > 0, v) == ['b', 'a']")).toBe(true);
    expect(holds("self.transformList(i, v, v + 'x') == ['ax', 'bx', 'ax']")).toBe(true);
    expect(holds("self.distinct().transformMapEntry(i, v, {v: i}) == {'a': 0, 'b': 1}")).toBe(true);
    // Duplicate keys fail the insert, which is an evaluation error.
    expect(holds('self.transformMapEntry(i, v, {v: i}).size() == 2')).toBe(false);
    // The comprehension's own variables do not capture the user's.
    expect(holds("self.all(i, self.transformList(i, v, v).size() == 3 && i in ['a', 'b'])")).toBe(true);
  });

  it('evaluates isURL and url().getHostname() where Go’s answer is certain, and absorbs the rest as CEL does', () => {
    const rule = {
      rule: "isURL(self) && (self.startsWith('https://') || self.startsWith('http://')) && url(self).getHostname() != ''",
      message: 'an http URL',
    };
    expect(run('https://api.example.com:8443/v1?x=1', STRING, [rule])).toEqual({ errors: [], skipped: [] });
    expect(run('http:///path', STRING, [rule]).errors).toHaveLength(1);
    expect(run('api.example.com', STRING, [rule]).errors).toHaveLength(1);
    // isURL of an opaque URL is Go's to answer, but the rule fails anyway on its scheme.
    expect(run('vllm.svc:8000/v1', STRING, [rule])).toMatchObject({
      errors: [{ path: 'spec.value' }],
      skipped: [],
    });
    // Here the verdict depends on Go's parser: skipped, never passed.
    const skipped = run('https://user@host/%zz', STRING, [rule]);
    expect(skipped.errors).toEqual([]);
    expect(skipped.skipped).toEqual([
      {
        path: 'spec.value',
        rule: rule.rule,
        reason: expect.stringContaining("isURL('https://user@host/%zz')") as unknown,
      },
    ]);
  });

  it('skips rules using functions it does not evaluate, oldSelf with optionalOldSelf, and ignores transition rules', () => {
    const skipped = run('x', STRING, [
      { rule: 'url(self).getScheme() == "https"' },
      { rule: 'self.lowerAscii() == self' },
      { rule: 'oldSelf == self', optionalOldSelf: true },
      { rule: 'oldSelf == self' },
    ]).skipped;
    expect(skipped.map((s) => s.reason)).toEqual([
      'uses url(), which is not evaluated offline',
      'uses lowerAscii(), which is not evaluated offline',
      'uses oldSelf',
    ]);
  });

  it('evaluates duration() only where Go’s float arithmetic gives the same nanoseconds', () => {
    const rule = { rule: "duration(self) >= duration('1s')" };
    expect(run('1.5s', STRING, [rule])).toEqual({ errors: [], skipped: [] });
    expect(run('999ms', STRING, [rule]).errors).toHaveLength(1);
    expect(run('0.0000000001s', STRING, [rule]).skipped).toHaveLength(1);
  });

  it('does not evaluate rules under status or on null values', () => {
    const schema: Schema = {
      type: 'object',
      properties: { status: { type: 'string', 'x-kubernetes-validations': [{ rule: 'false' }] } },
    };
    expect(evaluateRules({ metadata: { name: 'x' }, status: 'x' }, schema).errors).toEqual([]);
    expect(run(null, STRING, [{ rule: 'false' }]).errors).toEqual([]);
  });
});
