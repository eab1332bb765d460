/** What push did: buffered the item (pushing out another key's newest item to make room), or refused it. */
export type PushResult<T> = { accepted: true; pushedOut?: T } | { accepted: false };

/**
 * A bounded FIFO shared by keys (the Event recorder's: namespaces) so that no key crowds out the
 * others. Items queue per key and are taken round-robin across keys, so one key's flood does not
 * delay another's items behind it; when the buffer is full, a new item takes the place of the
 * newest item of the key holding the most, unless its own key holds the most, in which case it is
 * refused. A key holding less than its fair part (capacity over the keys with items) is never
 * refused; a lone key may use the whole buffer.
 */
export class FairBuffer<T> {
  private readonly capacity: number;
  /** In round-robin order: the next item comes from the first key, which then goes last. */
  private readonly queues = new Map<string, T[]>();
  private count = 0;

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new Error(`a buffer needs room for at least one item, got ${capacity}`);
    this.capacity = capacity;
  }

  push(key: string, item: T): PushResult<T> {
    let pushedOut: T | undefined;
    if (this.count >= this.capacity) {
      const own = this.queues.get(key)?.length ?? 0;
      const [longestKey, longest] = this.longest();
      if (own >= longest.length) return { accepted: false };
      pushedOut = longest.pop();
      this.count--;
      if (longest.length === 0) this.queues.delete(longestKey);
    }
    const queue = this.queues.get(key);
    if (queue) queue.push(item);
    else this.queues.set(key, [item]);
    this.count++;
    return pushedOut === undefined ? { accepted: true } : { accepted: true, pushedOut };
  }

  /** The next item: the oldest of the key whose turn it is. */
  shift(): T | undefined {
    const next = this.queues.entries().next();
    if (next.done) return undefined;
    const [key, queue] = next.value;
    const item = queue.shift();
    this.count--;
    this.queues.delete(key);
    if (queue.length > 0) this.queues.set(key, queue);
    return item;
  }

  get size(): number {
    return this.count;
  }

  // Only when the buffer is full: a scan over the keys with items.
  private longest(): [string, T[]] {
    let longest: [string, T[]] = ['', []];
    for (const entry of this.queues) if (entry[1].length > longest[1].length) longest = entry;
    return longest;
  }
}
