/**
 * The lanes ready to start, each by the number of its next unit: a binary min-heap of unit numbers,
 * so that the earliest unit starts first. A lane is its chain of units (see `KeyWalk`), so the heap
 * holds numbers only, in an Int32Array: no object per lane, and a comparison reads no lane.
 */
export class LaneHeap {
  #units: Int32Array;
  #size = 0;

  /** @param capacity lanes that may be ready at once (the heap grows past it) */
  constructor(capacity: number) {
    this.#units = new Int32Array(Math.max(capacity, 4));
  }

  get size(): number {
    return this.#size;
  }

  /** The earliest unit of the lanes ready, or -1 when none is. */
  peek(): number {
    return this.#size === 0 ? -1 : (this.#units[0] as number);
  }

  push(unit: number): void {
    if (this.#size === this.#units.length) {
      const grown = new Int32Array(this.#units.length * 2);
      grown.set(this.#units);
      this.#units = grown;
    }
    const a = this.#units;
    let i = this.#size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = a[parent] as number;
      if (above <= unit) break;
      a[i] = above;
      i = parent;
    }
    a[i] = unit;
  }

  /** Takes the earliest unit out (the heap must not be empty). */
  pop(): number {
    const top = this.#units[0] as number;
    const n = --this.#size;
    if (n > 0) this.#siftDown(this.#units[n] as number, n);
    return top;
  }

  /** Takes the earliest unit out and puts `unit` in (the heap must not be empty): a pop and a push in one pass. */
  replaceTop(unit: number): void {
    this.#siftDown(unit, this.#size);
  }

  /** Puts `unit` at the top of the first `n` slots and moves it down to its place. */
  #siftDown(unit: number, n: number): void {
    const a = this.#units;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let child = a[l] as number;
      if (r < n) {
        const right = a[r] as number;
        if (right < child) {
          c = r;
          child = right;
        }
      }
      if (child >= unit) break;
      a[i] = child;
      i = c;
    }
    a[i] = unit;
  }
}
