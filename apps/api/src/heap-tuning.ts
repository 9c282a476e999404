import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * How far V8 lets the old generation grow past the live heap before its next full collection, in
 * percent. Left to itself it allows up to 4x on a fast machine: fine for throughput, but the free
 * plan has 512 MB in all. Read at every full collection, so setting it at startup is enough.
 */
export function limitHeapGrowth(percent: number): void {
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * One full collection now: after startup (the log replay leaves a heap several times its live
 * size) the process then starts serving at its live size instead of waiting for an idle period.
 * Dead typed arrays' memory is released before it returns (V8 otherwise frees it on a background
 * thread a while later), so a trim of the C heap right after finds it free.
 */
export function collectGarbageNow(): void {
  v8.setFlagsFromString('--expose-gc');
  v8.setFlagsFromString('--no-concurrent-array-buffer-sweeping');
  (runInNewContext('gc') as () => void)();
  v8.setFlagsFromString('--concurrent-array-buffer-sweeping');
}
