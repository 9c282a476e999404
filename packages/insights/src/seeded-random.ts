// Seeded generators: the same seed gives the same sample, clustering and test data everywhere.

import { mulberry32 } from '@recsys/core';

export { mulberry32 };

/** Standard normal draws by Box–Muller. */
export function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
