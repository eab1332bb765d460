/**
 * Which fields of an object a cache keeps: `true` keeps a field whole, a nested spec keeps those
 * fields of an object (of each element, for an array). Declared once per resource, it is both
 * the informer's transform (project) and the list a test checks readers against (fieldPaths).
 */
export interface FieldSpec {
  readonly [field: string]: true | FieldSpec;
}

/** A copy of `value` with only the fields `spec` names (absent ones stay absent). */
export function project<T>(value: T, spec: FieldSpec): T {
  if (Array.isArray(value)) return value.map((element: unknown) => project(element, spec)) as T;
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const projected: Record<string, unknown> = {};
  for (const [field, keep] of Object.entries(spec)) {
    const fieldValue = source[field];
    if (fieldValue === undefined) continue;
    projected[field] = keep === true ? fieldValue : project(fieldValue, keep);
  }
  return projected as T;
}

/** Every field `spec` keeps, as dotted paths ('metadata.labels', 'status.conditions.type'). */
export function fieldPaths(spec: FieldSpec, prefix = ''): string[] {
  return Object.entries(spec).flatMap(([field, keep]) =>
    keep === true ? [`${prefix}${field}`] : fieldPaths(keep, `${prefix}${field}.`),
  );
}
