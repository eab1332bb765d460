/**
 * Shares equal strings between cached objects. JSON.parse gives every value a string of its own,
 * and the objects an operator caches repeat most of theirs: each Job and pod of a suite names its
 * suite, benchmark, provider and model in labels and owner references, and each suite's status
 * repeats run states, reasons and the messages of runs waiting for the same cap. At 10,000 suites
 * those copies are a large part of the cache. client-go has no counterpart: Go strings from a
 * decoder share nothing either, but Kubernetes' Go controllers keep typed structs, smaller than
 * JavaScript objects of strings.
 *
 * The pool is bounded: when it holds `capacity` strings it starts again, so strings that occur
 * once (uids, resourceVersions, timestamps) cannot grow it without end; objects cached before keep
 * the strings they share.
 */
export class StringPool {
  private readonly capacity: number;
  private readonly maxLength: number;
  private strings = new Map<string, string>();

  constructor(options: { capacity?: number; maxLength?: number } = {}) {
    this.capacity = options.capacity ?? 100_000;
    this.maxLength = options.maxLength ?? 256;
  }

  /** The pool's string equal to `value`, which becomes it if there is none. */
  intern(value: string): string {
    if (value.length > this.maxLength) return value;
    const pooled = this.strings.get(value);
    if (pooled !== undefined) return pooled;
    if (this.strings.size >= this.capacity) this.strings = new Map();
    this.strings.set(value, value);
    return value;
  }

  /** Replaces, in place, every string in `value` (objects and arrays from JSON) with the pool's; returns `value`. */
  internAll<T>(value: T): T {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = this.internValue(value[i]);
    } else if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) record[key] = this.internValue(record[key]);
    }
    return value;
  }

  private internValue(value: unknown): unknown {
    return typeof value === 'string' ? this.intern(value) : this.internAll(value);
  }

  get size(): number {
    return this.strings.size;
  }
}
