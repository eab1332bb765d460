// The functions of the API server's CEL environment that our CRDs' rules use beyond @bufbuild/cel's
// standard library (cel-go's ext lists distinct(), Kubernetes' URL library), plus the helpers the
// two-variable comprehension rewrite (two-var.ts) calls. Each answers exactly as the server does or
// throws Unsupported.
import {
  CelScalar,
  celFunc,
  celMap,
  celMethod,
  isCelList,
  isCelMap,
  listType,
  mapType,
  type CelFunc,
  type CelMap,
  type CelValue,
} from '@bufbuild/cel';
import { exactDurationString } from './go-duration.ts';
import { goURLHostname, isGoRequestURI } from './go-url.ts';
import { Unsupported } from './unsupported.ts';

/** Names of the helpers the rewrites insert; `@` keeps them out of reach of rule authors. */
export const HELPERS = {
  pairs: '@pairs',
  mapInsertAll: '@mapInsertAll',
  urlHostname: '@urlHostname',
  exactDuration: '@exactDuration',
} as const;

const LIST = listType(CelScalar.DYN);
const MAP = mapType(CelScalar.DYN, CelScalar.DYN);

/** cel-go's list.distinct(): the first of each run of equal elements, in order. */
function distinct(this: Iterable<CelValue>): CelValue[] {
  const seen = new Set<unknown>();
  const out: CelValue[] = [];
  for (const item of this) {
    // Only values whose CEL equality is JavaScript identity (no doubles: 1 == 1.0 in CEL).
    if (typeof item !== 'string' && typeof item !== 'bigint' && typeof item !== 'boolean') {
      throw new Unsupported('distinct() of a list with values other than strings, integers or booleans');
    }
    if (!seen.has(item)) out.push(item);
    seen.add(item);
  }
  return out;
}

/** [[0, l[0]], [1, l[1]], ...]: the (index, value) pairs a two-variable comprehension visits. */
function pairs(list: CelValue): CelValue[][] {
  if (isCelMap(list))
    throw new Unsupported('a two-variable comprehension over a map (its order is the server’s)');
  if (!isCelList(list)) throw new Error('no such overload');
  return [...list].map((value, index) => [BigInt(index), value]);
}

/** cel.@mapInsert(map, map) of cel-go's comprehensions extension. */
function mapInsertAll(accumulator: CelMap, entries: CelMap): CelMap {
  const merged = new Map(accumulator);
  for (const [key, value] of entries) {
    if (merged.has(key)) throw new Error(`insert failed: key ${String(key)} already exists`);
    merged.set(key, value);
  }
  return celMap(merged);
}

export const functions: CelFunc[] = [
  celMethod('distinct', LIST, [], LIST, distinct),
  celFunc(HELPERS.pairs, [CelScalar.DYN], LIST, pairs),
  celFunc(HELPERS.mapInsertAll, [MAP, MAP], MAP, mapInsertAll),
  celFunc('isURL', [CelScalar.STRING], CelScalar.BOOL, isGoRequestURI),
  celFunc(HELPERS.urlHostname, [CelScalar.STRING], CelScalar.STRING, goURLHostname),
  celFunc(HELPERS.exactDuration, [CelScalar.DYN], CelScalar.DYN, (value) => {
    if (typeof value !== 'string') throw new Unsupported('duration() of a value other than a string');
    return exactDurationString(value);
  }),
];

/** Every function a rule may call offline: the standard ones @bufbuild/cel implements as cel-go does, and ours. */
export const EVALUATED_FUNCTIONS = new Set<string>([
  ...['_&&_', '_||_', '!_', '_?_:_', '@not_strictly_false'],
  ...['_==_', '_!=_', '_<_', '_<=_', '_>_', '_>=_', '@in'],
  ...['_+_', '_-_', '_*_', '_/_', '_%_', '-_', '_[_]'],
  ...['size', 'startsWith', 'endsWith', 'contains', 'matches', 'duration'],
  ...['distinct', 'isURL'],
  ...Object.values(HELPERS),
]);
