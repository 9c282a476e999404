/**
 * Indices of the k highest finite scores, best first; ties go to the lower row. The same order as
 * sorting all of them, without sorting the ~1,000 candidates that do not make the cut.
 */
export function topIndices(scores: ArrayLike<number>, rows: ArrayLike<number>, k: number): number[] {
  const better = (a: number, b: number) => scores[a]! > scores[b]! || (scores[a] === scores[b] && rows[a]! < rows[b]!);
  const best: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) continue;
    if (best.length === k && (k === 0 || !better(i, best[k - 1]!))) continue;
    // Binary search for the first entry that i beats.
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (better(i, best[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    best.splice(lo, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}
