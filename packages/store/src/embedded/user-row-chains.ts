import { grownSize, resized } from './typed-growth.js';

/** The end of a chain, and a user with no rows. */
export const NO_ROW = -1;

/**
 * Each user's rows of a column table in the order they were added, chained through the rows
 * (first, last, next) instead of an array per user: a million rows hold no per-user arrays.
 *
 *   for (let row = chains.first(user); row !== NO_ROW; row = chains.next(row)) ...
 */
export class UserRowChains {
  private firstOf: Int32Array;
  private lastOf: Int32Array;
  private countOf: Int32Array;
  private nextOf: Int32Array;

  constructor(rowCapacity: number) {
    this.nextOf = new Int32Array(rowCapacity);
    const users = Math.max(16, rowCapacity >> 2);
    this.firstOf = new Int32Array(users);
    this.lastOf = new Int32Array(users);
    this.countOf = new Int32Array(users);
  }

  /** Room for rows up to `rowCapacity`. */
  growRows(rowCapacity: number): void {
    this.nextOf = resized(this.nextOf, rowCapacity);
  }

  /** Appends `row` (a new row) to `user`'s chain. */
  link(row: number, user: number): void {
    this.nextOf[row] = NO_ROW;
    if (user >= this.firstOf.length) {
      const size = grownSize(this.firstOf.length, user + 1);
      this.firstOf = resized(this.firstOf, size);
      this.lastOf = resized(this.lastOf, size);
      this.countOf = resized(this.countOf, size);
    }
    if (this.countOf[user] === 0) this.firstOf[user] = row;
    else this.nextOf[this.lastOf[user]!] = row;
    this.lastOf[user] = row;
    this.countOf[user]!++;
  }

  count(user: number): number {
    return user < this.countOf.length ? this.countOf[user]! : 0;
  }

  first(user: number): number {
    return this.count(user) > 0 ? this.firstOf[user]! : NO_ROW;
  }

  next(row: number): number {
    return this.nextOf[row]!;
  }
}
