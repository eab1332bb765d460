// Offline validation of bench.dev manifests against the CRD schemas, with the API server's wording.
//
// What the API server checks when an object is created, and what this module does about it:
// - unknown fields (rejected with strict field validation, kubectl's default): reported as
//   `unknown field "spec.foo"`, as the server does;
// - the OpenAPI schema (types, required, enum, pattern, lengths, ranges, item and property counts,
//   formats): reported as the server's field errors, e.g.
//   `spec.targets[0].name: Invalid value: "X": spec.targets[0].name in body should match '^...$'`;
// - x-kubernetes-list-type map/set uniqueness: `spec.targets[1]: Duplicate value: {"name":"a"}`;
// - metadata.name: required, a DNS subdomain;
// - CEL rules (x-kubernetes-validations): evaluated offline (cel/evaluate.ts) on the defaulted
//   object, as the server does, where that can be done soundly; a rule that cannot be (a function
//   Go would answer differently, say) is returned in `skipped`, never counted as passed. Like the
//   server, rules are not evaluated when an error makes the object unfit for them (an unsupported
//   value, a missing field, a wrong type, too long, too many), and nothing but the unknown fields
//   is reported when there are any (strict decoding fails the request before validation).
// Null fields are dropped before validation, as the API server does for non-nullable fields.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { API_VERSION, resources, schemas, type BenchDevObject, type Kind } from '../api/index.ts';
import { evaluateRules, type SkippedRule } from './cel/evaluate.ts';
import { goValue, stableJson } from './go-format.ts';

/** One field error, as the API server would report it. */
export interface FieldError {
  /** The field, e.g. `spec.targets[0].name` (empty for the object itself). */
  path: string;
  /** The error type, as in k8s.io/apimachinery's field.ErrorType. */
  type:
    | 'FieldValueRequired'
    | 'FieldValueInvalid'
    | 'FieldValueNotSupported'
    | 'FieldValueDuplicate'
    | 'FieldValueTooLong'
    | 'FieldValueTooMany'
    | 'FieldValueTypeInvalid'
    | 'FieldValueForbidden'
    | 'UnknownField';
  /** The whole message, e.g. `spec.targets[0].name: Required value`. */
  message: string;
}

export interface ValidationResult {
  valid: boolean;
  errors: FieldError[];
  /** CEL rules that could not be evaluated offline: the API server still evaluates them. */
  skipped: SkippedRule[];
}

export type { SkippedRule };

/** Errors after which the server does not evaluate CEL rules (hasBlockingErr in its CR strategy). */
const BLOCKING: ReadonlySet<FieldError['type']> = new Set([
  'FieldValueNotSupported',
  'FieldValueRequired',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueTypeInvalid',
]);

const RULES_NOT_CHECKED: FieldError = {
  path: '',
  type: 'FieldValueInvalid',
  message:
    '<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
};

const VOCABULARY = [
  'x-kubernetes-list-map-keys',
  'x-kubernetes-validations',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-map-type',
  'x-kubernetes-embedded-resource',
];

const KIND_NAMES = Object.keys(resources) as Kind[];

interface DuplicateParams {
  index: number;
  value: unknown;
}

/** x-kubernetes-list-type: map lists are unique by their keys, set lists by their values. */
function listTypeKeyword(ajv: Ajv): void {
  const validate = function listType(listType: unknown, data: unknown, parentSchema?: unknown): boolean {
    if ((listType !== 'map' && listType !== 'set') || !Array.isArray(data)) return true;
    const keys =
      (parentSchema as { 'x-kubernetes-list-map-keys'?: string[] } | undefined)?.[
        'x-kubernetes-list-map-keys'
      ] ?? [];
    const errors: Array<Partial<ErrorObject>> = [];
    // A map list holds objects only; the server reports the first item that is not and stops.
    const notObject =
      listType === 'map'
        ? data.findIndex((i) => i !== null && (typeof i !== 'object' || Array.isArray(i)))
        : -1;
    if (notObject >= 0) {
      const params: DuplicateParams = { index: notObject, value: data[notObject] };
      errors.push({ keyword: 'x-kubernetes-list-type', params, message: 'not an object' });
    } else {
      // Each duplicated value is reported once, at its second occurrence.
      const seen = new Map<string, number>();
      data.forEach((item, index) => {
        const value: unknown =
          listType === 'map' && typeof item === 'object' && item !== null
            ? Object.fromEntries(
                keys.filter((k) => k in item).map((k) => [k, (item as Record<string, unknown>)[k]]),
              )
            : item;
        const id = stableJson(value);
        const times = seen.get(id) ?? 0;
        if (times === 1) {
          const params: DuplicateParams = { index, value };
          errors.push({ keyword: 'x-kubernetes-list-type', params, message: 'duplicate' });
        }
        seen.set(id, times + 1);
      });
    }
    (validate as unknown as { errors: Array<Partial<ErrorObject>> }).errors = errors;
    return errors.length === 0;
  };
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-type',
    type: 'array',
    schemaType: 'string',
    errors: true,
    validate,
  });
}

function newAjv(useDefaults: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, useDefaults });
  const addFormats = addFormatsModule as unknown as (a: Ajv, formats: string[]) => Ajv;
  addFormats(ajv, ['date-time']);
  // Integer formats: the type keyword checks that the value is an integer; int32 also bounds it, as
  // kube-openapi does (a JSON number never exceeds int64 precision-wise in practice).
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => n >= -2147483648 && n <= 2147483647 });
  ajv.addFormat('int64', { type: 'number', validate: () => true });
  ajv.addVocabulary(VOCABULARY);
  listTypeKeyword(ajv);
  return ajv;
}

let validators: Map<Kind, ValidateFunction> | undefined;
let defaulters: Map<Kind, ValidateFunction> | undefined;

function compileAll(useDefaults: boolean): Map<Kind, ValidateFunction> {
  const ajv = newAjv(useDefaults);
  return new Map(KIND_NAMES.map((kind) => [kind, ajv.compile(schemas[kind] as object)]));
}

/** The JSON type name kube-openapi reports for a value. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** `/spec/targets/0/name` (with the data, to tell list indices from map keys) → `spec.targets[0].name`. */
function fieldPath(pointer: string, root: unknown): string {
  if (pointer === '') return '';
  let out = '';
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      out += `[${segment}]`;
      node = node[Number(segment)];
    } else {
      out += out === '' ? segment : `.${segment}`;
      node =
        typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return out;
}

const child = (path: string, name: string) => (path === '' ? name : `${path}.${name}`);

/** kube-openapi checks a string's maxLength, minLength and pattern in this order and stops at the first failure. */
const STRING_CHECKS = ['maxLength', 'minLength', 'pattern'];

function firstStringErrorOnly(errors: ErrorObject[]): ErrorObject[] {
  const first = new Map<string, number>();
  for (const e of errors) {
    const rank = STRING_CHECKS.indexOf(e.keyword);
    if (rank >= 0) first.set(e.instancePath, Math.min(rank, first.get(e.instancePath) ?? rank));
  }
  return errors.filter((e) => {
    const rank = STRING_CHECKS.indexOf(e.keyword);
    return rank < 0 || rank === first.get(e.instancePath);
  });
}

function toFieldErrors(errors: ErrorObject[], root: unknown): FieldError[] {
  const out: FieldError[] = [];
  for (const e of firstStringErrorOnly(errors)) {
    const path = fieldPath(e.instancePath, root);
    const body = path === '' ? '<nil>' : path; // kube-openapi names the root "<nil>"
    const value = e.data;
    const p = e.params as Record<string, unknown>;
    const push = (type: FieldError['type'], at: string, message: string) =>
      out.push({ path: at, type, message: `${at === '' ? '<nil>' : at}: ${message}` });
    switch (e.keyword) {
      case 'required':
        push('FieldValueRequired', child(path, String(p.missingProperty)), 'Required value');
        break;
      case 'additionalProperties': {
        const at = child(path, String(p.additionalProperty));
        out.push({ path: at, type: 'UnknownField', message: `unknown field "${at}"` });
        break;
      }
      case 'enum': {
        const allowed = (p.allowedValues as unknown[]).map((v) =>
          JSON.stringify(typeof v === 'string' ? v : stableJson(v)),
        );
        push(
          'FieldValueNotSupported',
          path,
          `Unsupported value: ${goValue(value)}: supported values: ${allowed.join(', ')}`,
        );
        break;
      }
      case 'pattern':
        push(
          'FieldValueInvalid',
          path,
          `Invalid value: ${goValue(value)}: ${body} in body should match '${String(p.pattern)}'`,
        );
        break;
      case 'maxLength': {
        const n = Number(p.limit);
        push('FieldValueTooLong', path, `Too long: may not be more than ${n} ${n === 1 ? 'byte' : 'bytes'}`);
        break;
      }
      case 'minLength':
        push(
          'FieldValueInvalid',
          path,
          `Invalid value: ${goValue(value)}: ${body} in body should be at least ${String(p.limit)} chars long`,
        );
        break;
      case 'maximum':
        push(
          'FieldValueInvalid',
          path,
          `Invalid value: ${goValue(value)}: ${body} in body should be less than or equal to ${String(p.limit)}`,
        );
        break;
      case 'minimum':
        push(
          'FieldValueInvalid',
          path,
          `Invalid value: ${goValue(value)}: ${body} in body should be greater than or equal to ${String(p.limit)}`,
        );
        break;
      case 'maxItems':
      case 'maxProperties': {
        const n = Number(p.limit);
        const actual = Array.isArray(value) ? value.length : Object.keys(value as object).length;
        push(
          'FieldValueTooMany',
          path,
          `Too many: ${actual}: must have at most ${n} ${n === 1 ? 'item' : 'items'}`,
        );
        break;
      }
      case 'minItems':
        push(
          'FieldValueInvalid',
          path,
          `Invalid value: ${(value as unknown[]).length}: ${body} in body should have at least ${String(p.limit)} items`,
        );
        break;
      case 'minProperties':
        push(
          'FieldValueInvalid',
          path,
          `Invalid value: ${Object.keys(value as object).length}: ${body} in body should have at least ${String(p.limit)} properties`,
        );
        break;
      case 'type': {
        // kube-openapi's type errors, with the extra lines it adds: for int-or-string, the errors of
        // the first anyOf branch; for a fraction in an integer field, the range check of the number.
        const schema = (e.parentSchema ?? {}) as { format?: unknown; 'x-kubernetes-int-or-string'?: unknown };
        const format = typeof schema.format === 'string' ? schema.format : '';
        const actual = jsonType(value);
        const fraction = actual === 'number';
        const typeLine = (expected: string, shown: string) =>
          push(
            'FieldValueTypeInvalid',
            path,
            `Invalid value: "${shown}": ${body} in body must be of type ${expected}: "${shown}"`,
          );
        const note = (detail: string) => push('FieldValueInvalid', '', `Invalid value: "": ${detail}`);
        if (schema['x-kubernetes-int-or-string'] === true) {
          typeLine('integer,string', actual);
          note(`"${body}" must validate at least one schema (anyOf)`);
          typeLine('integer', actual);
          if (fraction) note(`Checked value must be of type integer (default format) in ${body}`);
        } else if (format !== '' && typeof value !== 'string' && !Array.isArray(value)) {
          // For values other than strings and lists the format is compared first, naming the Go
          // format of the value: int64, float64, or none for booleans and objects.
          typeLine(format, typeof value === 'number' ? (fraction ? 'float64' : 'int64') : '');
          if (fraction && p.type === 'integer')
            note(`Checked value must be of type integer with format ${format} in ${body}`);
        } else {
          typeLine(Array.isArray(p.type) ? p.type.join(',') : String(p.type), actual);
          if (fraction && p.type === 'integer')
            note(`Checked value must be of type integer (default format) in ${body}`);
        }
        break;
      }
      case 'format':
        if (p.format === 'int32' || p.format === 'int64') {
          push(
            'FieldValueInvalid',
            '',
            `Invalid value: "": Checked value must be of type integer with format ${String(p.format)} in ${body}`,
          );
          break;
        }
        push(
          'FieldValueTypeInvalid',
          path,
          `Invalid value: ${goValue(value)}: ${body} in body must be of type ${String(p.format)}: ${goValue(value)}`,
        );
        break;
      case 'x-kubernetes-list-type': {
        const { index, value: item } = p as unknown as DuplicateParams;
        if (e.message === 'not an object') {
          push(
            'FieldValueInvalid',
            `${path}[${index}]`,
            `Invalid value: ${goValue(item)}: must be an object for an array of list-type map`,
          );
        } else {
          push('FieldValueDuplicate', `${path}[${index}]`, `Duplicate value: ${goValue(item)}`);
        }
        break;
      }
      default:
        push(
          'FieldValueInvalid',
          path,
          `Invalid value: ${goValue(value)}: ${body} in body ${e.message ?? 'is invalid'}`,
        );
    }
  }
  return out;
}

/** Drops null-valued object fields, as the API server does for fields that are not nullable. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, dropNulls(v)]),
    );
  }
  return value;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function metadataErrors(metadata: unknown): FieldError[] {
  const m = (typeof metadata === 'object' && metadata !== null ? metadata : {}) as Record<string, unknown>;
  const name = m.name;
  if ((name === undefined || name === '') && !m.generateName) {
    return [
      {
        path: 'metadata.name',
        type: 'FieldValueRequired',
        message: 'metadata.name: Required value: name or generateName is required',
      },
    ];
  }
  if (typeof name === 'string' && (name.length > 253 || !DNS1123_SUBDOMAIN.test(name))) {
    const detail =
      name.length > 253
        ? 'must be no more than 253 characters'
        : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    return [
      {
        path: 'metadata.name',
        type: 'FieldValueInvalid',
        message: `metadata.name: Invalid value: ${JSON.stringify(name)}: ${detail}`,
      },
    ];
  }
  return [];
}

/** The kind of a bench.dev manifest, or undefined when it is not one. */
export function kindOf(manifest: unknown): Kind | undefined {
  if (typeof manifest !== 'object' || manifest === null) return undefined;
  const { apiVersion, kind } = manifest as { apiVersion?: unknown; kind?: unknown };
  return apiVersion === API_VERSION && KIND_NAMES.includes(kind as Kind) ? (kind as Kind) : undefined;
}

/**
 * Validates a bench.dev/v1alpha1 manifest (BenchmarkSuite, ProviderPolicy or SchedulePolicy) as the
 * API server validates it on create, with the same messages: the schema, then the CEL rules.
 */
export function validateManifest(manifest: unknown): ValidationResult {
  const kind = kindOf(manifest);
  if (kind === undefined) {
    const m = (manifest ?? {}) as { apiVersion?: unknown; kind?: unknown };
    const errors: FieldError[] =
      m.apiVersion !== API_VERSION
        ? [
            {
              path: 'apiVersion',
              type: 'FieldValueNotSupported',
              message: `apiVersion: Unsupported value: ${goValue(m.apiVersion ?? '')}: supported values: "${API_VERSION}"`,
            },
          ]
        : [
            {
              path: 'kind',
              type: 'FieldValueNotSupported',
              message: `kind: Unsupported value: ${goValue(m.kind ?? '')}: supported values: ${KIND_NAMES.map((k) => `"${k}"`).join(', ')}`,
            },
          ];
    return { valid: false, errors, skipped: [] };
  }
  validators ??= compileAll(false);
  const data = dropNulls(manifest) as BenchDevObject;
  const validate = validators.get(kind)!;
  const errors = [...metadataErrors(data.metadata)];
  if (!validate(data)) errors.push(...toFieldErrors(validate.errors ?? [], data));
  const unknown = errors.filter((e) => e.type === 'UnknownField');
  if (unknown.length > 0) return { valid: false, errors: unknown, skipped: [] };
  if (errors.some((e) => BLOCKING.has(e.type))) {
    return { valid: false, errors: [...errors, RULES_NOT_CHECKED], skipped: [] };
  }
  const cel = evaluateRules(applyDefaults(data) as unknown as Record<string, unknown>, schemas[kind]);
  errors.push(...cel.errors);
  return { valid: errors.length === 0, errors, skipped: cel.skipped };
}

/**
 * A copy of the manifest with the CRD's defaults applied, as the API server stores it (e.g.
 * spec.retry.backoff.initial "30s", benchmarks[].shards 1). The manifest itself is not changed.
 */
export function applyDefaults<T extends BenchDevObject>(manifest: T): T {
  const kind = kindOf(manifest);
  if (kind === undefined)
    throw new Error(`not a ${API_VERSION} object: ${String((manifest as { kind?: unknown }).kind)}`);
  defaulters ??= compileAll(true);
  const copy = structuredClone(manifest);
  defaulters.get(kind)!(copy);
  return copy;
}
