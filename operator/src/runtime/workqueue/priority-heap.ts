/**
 * A binary min-heap (container/heap as client-go's delaying queue uses it). Each element's slot is
 * tracked so `fix` can restore order in O(log n) after a caller changes an element's key, which is
 * how a waiting item's ready time is moved earlier without a linear search. Elements are compared
 * by identity, so push distinct objects.
 */
export class PriorityHeap<T> {
  private readonly elements: T[] = [];
  private readonly slots = new Map<T, number>();
  private readonly less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.less = less;
  }

  size(): number {
    return this.elements.length;
  }

  peek(): T | undefined {
    return this.elements[0];
  }

  push(element: T): void {
    // A second slot for the same element would leave `fix` updating only one of them.
    if (this.slots.has(element)) throw new Error('element is already in the heap');
    this.elements.push(element);
    this.slots.set(element, this.elements.length - 1);
    this.up(this.elements.length - 1);
  }

  pop(): T | undefined {
    const top = this.elements[0];
    if (top === undefined) return undefined;
    const last = this.elements.pop() as T;
    this.slots.delete(top);
    if (this.elements.length > 0) {
      this.place(last, 0);
      this.down(0);
    }
    return top;
  }

  /** Restores heap order after the key of an element already in the heap has changed either way. */
  fix(element: T): void {
    const slot = this.slots.get(element);
    if (slot === undefined) throw new Error('element is not in the heap');
    if (!this.down(slot)) this.up(slot);
  }

  clear(): void {
    this.elements.length = 0;
    this.slots.clear();
  }

  private up(slot: number): void {
    const element = this.elements[slot] as T;
    while (slot > 0) {
      const parentSlot = (slot - 1) >> 1;
      const parent = this.elements[parentSlot] as T;
      if (!this.less(element, parent)) break;
      this.place(parent, slot);
      slot = parentSlot;
    }
    this.place(element, slot);
  }

  /** Returns whether the element moved, so `fix` knows not to also try sifting it up. */
  private down(start: number): boolean {
    const element = this.elements[start] as T;
    const n = this.elements.length;
    let slot = start;
    for (;;) {
      const left = 2 * slot + 1;
      if (left >= n) break;
      let child = left;
      const right = left + 1;
      if (right < n && this.less(this.elements[right] as T, this.elements[left] as T)) child = right;
      const smaller = this.elements[child] as T;
      if (!this.less(smaller, element)) break;
      this.place(smaller, slot);
      slot = child;
    }
    this.place(element, slot);
    return slot !== start;
  }

  private place(element: T, slot: number): void {
    this.elements[slot] = element;
    this.slots.set(element, slot);
  }
}
