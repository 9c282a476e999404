/**
 * Indices of the k highest finite scores, best first; ties go to the lower row. The same order as
 * sorting all of them, without sorting the ~1,000 candidates that do not make the cut.
 */
export function topIndices(scores: ArrayLike<number>, rows: ArrayLike<number>, k: number): number[] {
  // Insertion into a sorted typed buffer: no array is allocated per insertion (Array.splice made one).
  const best = new Int32Array(Math.max(0, Math.min(k, scores.length)));
  let size = 0;
  // The last kept entry's score and row: once the buffer is full, most candidates lose to it.
  let worst = -Infinity;
  let worstRow = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) continue;
    const row = rows[i]!;
    if (size === best.length && (size === 0 || s < worst || (s === worst && row >= worstRow))) continue;
    // Binary search for the first entry that i beats.
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = best[mid]!;
      if (s > scores[other]! || (s === scores[other] && row < rows[other]!)) hi = mid;
      else lo = mid + 1;
    }
    if (size < best.length) size++;
    for (let j = size - 1; j > lo; j--) best[j] = best[j - 1]!;
    best[lo] = i;
    worst = scores[best[size - 1]!]!;
    worstRow = rows[best[size - 1]!]!;
  }
  return Array.from(best.subarray(0, size));
}
