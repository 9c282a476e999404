import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { collectGarbageNow } from './heap-tuning.js';

describe('collectGarbageNow', () => {
  it('frees what is no longer referenced, at once', () => {
    let garbage: number[][] | undefined = Array.from({ length: 200 }, () => Array.from({ length: 10_000 }, (_, i) => i + 0.5));
    const before = v8.getHeapStatistics().used_heap_size;
    expect(garbage.length).toBe(200);
    garbage = undefined;
    collectGarbageNow();
    // ~16 MB of doubles were live before; a full collection leaves the heap well below that.
    expect(v8.getHeapStatistics().used_heap_size).toBeLessThan(before - 10 * 2 ** 20);
  });
});
