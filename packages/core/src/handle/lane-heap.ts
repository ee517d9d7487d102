/** The units of one partition key, walked in order. */
export interface Lane {
  readonly indices: number[];
  next: number;
  running: boolean;
}

/** A binary min-heap of lanes by the index of their next unit: the earliest unit starts first. */
export class LaneHeap {
  readonly #lanes: Lane[] = [];

  get size(): number {
    return this.#lanes.length;
  }

  #key(lane: Lane): number {
    return lane.indices[lane.next] as number;
  }

  peek(): Lane | undefined {
    return this.#lanes[0];
  }

  push(lane: Lane): void {
    const a = this.#lanes;
    a.push(lane);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#key(a[parent] as Lane) <= this.#key(lane)) break;
      a[i] = a[parent] as Lane;
      i = parent;
    }
    a[i] = lane;
  }

  pop(): Lane | undefined {
    const a = this.#lanes;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      let i = 0;
      const n = a.length;
      const key = this.#key(last);
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.#key(a[r] as Lane) < this.#key(a[l] as Lane) ? r : l;
        if (this.#key(a[c] as Lane) >= key) break;
        a[i] = a[c] as Lane;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
