/**
 * Candidate-sized columns of doubles that rank() reuses from one request to the next. A typed array
 * over 64 bytes keeps its memory outside the JavaScript heap: the ~60 KB of them rank() made a
 * request cost an allocation, zeroing, and the collector's sweep of dead array buffers each time.
 * rank() runs synchronously and returns nothing that points into them, so one buffer serves every
 * call on a thread.
 */
export class ScratchColumns {
  private buffer = new Float64Array(0);

  /** Zeroed columns of the given lengths: views into the one buffer, valid until the next call. */
  take<L extends number[]>(...lengths: L): { [K in keyof L]: Float64Array } {
    let total = 0;
    for (const length of lengths) total += length;
    if (this.buffer.length < total) this.buffer = new Float64Array(Math.max(total, 2 * this.buffer.length));
    else this.buffer.fill(0, 0, total);
    const out: Float64Array[] = [];
    for (let i = 0, at = 0; i < lengths.length; at += lengths[i]!, i++) out.push(this.buffer.subarray(at, at + lengths[i]!));
    return out as { [K in keyof L]: Float64Array };
  }
}
