/**
 * Indices of the `k` largest scores, best first, skipping NaN and -Infinity (used to mark excluded
 * entries). A bounded min-heap: O(n log k), no allocation proportional to n.
 */
export function topK(scores: ArrayLike<number>, k: number): Int32Array {
  const heapIdx = new Int32Array(Math.max(0, k));
  const heapVal = new Float64Array(Math.max(0, k));
  let size = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!(s > -Infinity)) continue;
    if (size < k) {
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (heapVal[p]! <= s) break;
        heapVal[c] = heapVal[p]!;
        heapIdx[c] = heapIdx[p]!;
        c = p;
      }
      heapVal[c] = s;
      heapIdx[c] = i;
    } else if (k > 0 && s > heapVal[0]!) {
      siftDown(heapIdx, heapVal, size, i, s);
    }
  }
  // Pop the heap from the smallest, writing from the back.
  const out = new Int32Array(size);
  for (let n = size; n > 0; n--) {
    out[n - 1] = heapIdx[0]!;
    const lastIdx = heapIdx[n - 1]!;
    const lastVal = heapVal[n - 1]!;
    siftDown(heapIdx, heapVal, n - 1, lastIdx, lastVal);
  }
  return out;
}

function siftDown(heapIdx: Int32Array, heapVal: Float64Array, size: number, idx: number, val: number): void {
  let c = 0;
  for (;;) {
    let child = 2 * c + 1;
    if (child >= size) break;
    if (child + 1 < size && heapVal[child + 1]! < heapVal[child]!) child++;
    if (heapVal[child]! >= val) break;
    heapVal[c] = heapVal[child]!;
    heapIdx[c] = heapIdx[child]!;
    c = child;
  }
  if (size > 0) {
    heapVal[c] = val;
    heapIdx[c] = idx;
  }
}
