/**
 * Indices of the k highest finite scores, best first; ties go to the lower row. The same order as
 * sorting all of them, without sorting the ~1,000 candidates that do not make the cut.
 */
export function topIndices(scores: ArrayLike<number>, rows: ArrayLike<number>, k: number): number[] {
  const better = (a: number, b: number) => scores[a]! > scores[b]! || (scores[a] === scores[b] && rows[a]! < rows[b]!);
  // Insertion into a sorted typed buffer: no array is allocated per insertion (Array.splice made one).
  const best = new Int32Array(Math.max(0, Math.min(k, scores.length)));
  let size = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) continue;
    if (size === best.length && (size === 0 || !better(i, best[size - 1]!))) continue;
    // Binary search for the first entry that i beats.
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (better(i, best[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    if (size < best.length) size++;
    best.copyWithin(lo + 1, lo, size - 1);
    best[lo] = i;
  }
  return Array.from(best.subarray(0, size));
}
