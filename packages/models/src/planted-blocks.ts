// Test support: a users × items matrix with planted block structure. Group g's users like block g
// of the items; each user trains on `trained` random items of their block, the rest are held out.
import { InteractionMatrix } from './interaction-matrix.js';
import { mulberry32 } from './random.js';

export interface PlantedBlocks {
  groups: number;
  usersPerGroup: number;
  block: number;
  nUsers: number;
  nItems: number;
  matrix: InteractionMatrix;
  heldOut: number[][];
  groupOf: (u: number) => number;
  blockOf: (i: number) => number;
}

export function plantBlocks(groups = 3, usersPerGroup = 12, block = 10, trained = 7, seed = 7): PlantedBlocks {
  const random = mulberry32(seed);
  const groupOf = (u: number) => Math.floor(u / usersPerGroup);
  const blockOf = (i: number) => Math.floor(i / block);
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  const heldOut: number[][] = [];
  const nUsers = groups * usersPerGroup;
  for (let u = 0; u < nUsers; u++) {
    const items = Array.from({ length: block }, (_, j) => groupOf(u) * block + j).sort(() => random() - 0.5);
    for (const i of items.slice(0, trained)) {
      rows.push(u);
      cols.push(i);
      values.push(1 + 3 * random());
    }
    heldOut.push(items.slice(trained));
  }
  const nItems = groups * block;
  return { groups, usersPerGroup, block, nUsers, nItems, matrix: InteractionMatrix.fromTriples(nUsers, nItems, rows, cols, values), heldOut, groupOf, blockOf };
}

/** Users whose every held-out item scores above every item of the other blocks. */
export function usersRankingTheirBlockFirst(planted: PlantedBlocks, scoresOf: (u: number) => Float32Array): number {
  let good = 0;
  for (let u = 0; u < planted.nUsers; u++) {
    const scores = scoresOf(u);
    const worstHeldOut = Math.min(...planted.heldOut[u]!.map((i) => scores[i]!));
    let bestOther = -Infinity;
    for (let i = 0; i < planted.nItems; i++) if (planted.blockOf(i) !== planted.groupOf(u)) bestOther = Math.max(bestOther, scores[i]!);
    if (worstHeldOut > bestOther) good++;
  }
  return good;
}
