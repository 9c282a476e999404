// Interned strings: each distinct string is held once and named by a dense index, so tables can
// keep Int32 indexes instead of a pointer (and often a copy of the string) per row.

export class StringPool {
  private readonly index = new Map<string, number>();
  private readonly strings: string[] = [];
  /** The string interned last and its index: events often come in runs of one user. */
  private last: string | undefined;
  private lastAt = -1;

  get size(): number {
    return this.strings.length;
  }

  /** The index of `value`, adding it when new. */
  intern(value: string): number {
    if (value === this.last) return this.lastAt;
    let at = this.index.get(value);
    if (at === undefined) {
      at = this.strings.length;
      this.index.set(value, at);
      this.strings.push(value);
    }
    this.last = value;
    this.lastAt = at;
    return at;
  }

  /** The index of `value`, or -1 when it is not in the pool. */
  indexOf(value: string): number {
    return this.index.get(value) ?? -1;
  }

  at(index: number): string {
    return this.strings[index]!;
  }

  /** The strings in the order they were added (live: sees later additions). */
  values(): IterableIterator<string> {
    return this.strings.values();
  }
}
