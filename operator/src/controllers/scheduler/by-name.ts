// Per list, built once: a pass over thousands of waiting runs must not search them one by one.
const indexes = new WeakMap<object, Map<string, unknown>>();

/** The list's items by name, indexed on first use and kept as long as the list lives. */
export function byName<T>(
  list: T[],
  name: (item: T) => string = (item) => (item as { name: string }).name,
): Map<string, T> {
  let index = indexes.get(list) as Map<string, T> | undefined;
  if (!index) {
    index = new Map(list.map((item) => [name(item), item]));
    indexes.set(list, index);
  }
  return index;
}
