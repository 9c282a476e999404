// Growing the typed-array columns of the in-memory tables.

/** Room for at least `needed`: half as much again while small, a quarter once large (less slack). */
export function grownSize(current: number, needed: number): number {
  return Math.max(needed, Math.ceil(current * (current < 1 << 16 ? 1.5 : 1.25)));
}

/** A copy of `array` with room for `size` elements (the first `size` when it shrinks). */
export function resized<T extends Int32Array | Uint16Array | Uint8Array | Float64Array>(array: T, size: number): T {
  const grown = new (array.constructor as new (size: number) => T)(size);
  grown.set(array.subarray(0, Math.min(array.length, size)));
  return grown;
}
