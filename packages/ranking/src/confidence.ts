/**
 * Wilson score interval (95 %) for a preference estimate backed by `evidence` observations.
 * Evidence grows with what the service knows about both the user and the item, so the interval
 * narrows for active users and well-watched titles and stays wide for cold ones.
 */
export function wilsonInterval(p: number, evidence: number, z = 1.96): [number, number] {
  const n = Math.max(1, evidence);
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export function evidenceFor(userInteractions: number, itemSupport: number): number {
  return 2 + Math.sqrt((1 + userInteractions) * (1 + itemSupport));
}
