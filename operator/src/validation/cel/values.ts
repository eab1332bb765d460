// A manifest's data as the CEL values the API server gives rules (UnstructuredToVal): integers of
// `type: integer` (and int-or-string) fields are CEL ints, `number` fields doubles, objects maps,
// and at the root, metadata shows only name and generateName.
import type { CelInput } from '@bufbuild/cel';
import { Unsupported } from './unsupported.ts';

export type Schema = { readonly [keyword: string]: unknown };

/** Strings of these formats are timestamps, durations or bytes in CEL, which no rule of ours reads. */
const TYPED_STRING_FORMATS = new Set(['date-time', 'date', 'duration', 'byte']);

const sub = (schema: Schema | undefined, keyword: string): Schema | undefined => {
  const value = schema?.[keyword];
  return typeof value === 'object' && value !== null ? (value as Schema) : undefined;
};

function isIntegerField(schema: Schema | undefined, value: number): boolean {
  if (schema?.type === 'integer' || schema?.['x-kubernetes-int-or-string'] === true) return true;
  return schema?.type === undefined && Number.isInteger(value);
}

export function toCel(data: unknown, schema: Schema | undefined): CelInput {
  if (data === null || data === undefined) return null;
  if (typeof data === 'string') {
    const format = schema?.format;
    if (typeof format === 'string' && TYPED_STRING_FORMATS.has(format)) {
      throw new Unsupported(`a string of format ${format} (a typed CEL value on the server)`);
    }
    return data;
  }
  if (typeof data === 'number') return isIntegerField(schema, data) ? BigInt(data) : data;
  if (typeof data === 'boolean') return data;
  if (Array.isArray(data)) return data.map((item) => toCel(item, sub(schema, 'items')));
  const properties = sub(schema, 'properties');
  const additional = sub(schema, 'additionalProperties');
  return new Map(
    Object.entries(data as Record<string, unknown>).map(([key, value]) => [
      key,
      toCel(value, sub(properties, key) ?? additional),
    ]),
  );
}

/** names.SimpleNameGenerator: generateName cut to 58 characters plus 5 random ones. */
const GENERATED_BASE_LENGTH = 58;
const GENERATED_SUFFIX = 'xxxxx';

/**
 * The root object as rules at the root see it: metadata reduced to name and generateName. A name
 * to be generated is generated before validation; its random suffix is stood in for by one of the
 * values it can take (our rules look at the name's length only).
 */
export function rootToCel(data: Record<string, unknown>, schema: Schema): CelInput {
  const given = (data.metadata ?? {}) as Record<string, unknown>;
  const metadata =
    !given.name && typeof given.generateName === 'string'
      ? { ...given, name: given.generateName.slice(0, GENERATED_BASE_LENGTH) + GENERATED_SUFFIX }
      : given;
  const visible = Object.fromEntries(
    ['name', 'generateName'].filter((k) => metadata[k] !== undefined).map((k) => [k, metadata[k]]),
  );
  return toCel({ ...data, metadata: visible }, schema);
}
