/** Share of the exact top-k rows that an approximate search also returned (1 when both are empty). */
export function recallAtK(found: ArrayLike<number>, exact: ArrayLike<number>): number {
  if (exact.length === 0) return 1;
  const wanted = new Set<number>();
  for (let i = 0; i < exact.length; i++) wanted.add(exact[i]!);
  let hits = 0;
  for (let i = 0; i < found.length; i++) if (wanted.has(found[i]!)) hits++;
  return hits / exact.length;
}
