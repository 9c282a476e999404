import { describe, expect, it } from 'vitest';
import { runClosedLoop, runOpenLoop } from './load.js';

/** A fake service that answers at once, except that nothing answers until `stallMs` after it was made. */
function stallingService(stallMs: number) {
  const started = performance.now();
  const sentAt: number[] = [];
  const send = async (i: number) => {
    sentAt[i] = performance.now() - started;
    const wait = started + stallMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    return true;
  };
  return { send, sentAt };
}

describe('runOpenLoop', () => {
  it('sends at the set rate whether or not earlier requests have answered', async () => {
    const service = stallingService(150);
    const result = await runOpenLoop({ rate: 200, durationMs: 300, maxRequests: 1000, send: service.send });
    expect(result.requests).toBe(60);
    expect(result.errors).toBe(0);
    // Request i leaves at i × 5 ms, never earlier, and the stall holds none back: of the 30 due
    // before the first answer (at 150 ms), all but a late timer's few had left by then.
    service.sentAt.forEach((at, i) => expect(at).toBeGreaterThanOrEqual(i * 5 - 1));
    expect(service.sentAt.filter((at) => at < 150).length).toBeGreaterThanOrEqual(25);
  });

  it('times each request from when it was due, so a stall counts for every request sent during it', async () => {
    const open = await runOpenLoop({ rate: 200, durationMs: 300, maxRequests: 1000, send: stallingService(150).send });
    // The requests due in the first 150 ms, half of them, waited out the rest of the stall
    // (request i for 150 − 5i ms): the slowest tenth waited over 100 ms.
    expect(open.p95).toBeGreaterThan(100);
    expect(open.max).toBeGreaterThan(130);
    // A closed loop of one client sends nothing during the stall: one slow request among fast ones.
    const closed = await runClosedLoop({ concurrency: 1, durationMs: 300, maxRequests: 1000, send: stallingService(150).send });
    expect(closed.max).toBeGreaterThan(130);
    expect(closed.p95).toBeLessThan(5);
  });

  it('counts failed and rejected sends as errors and stops at the request cap', async () => {
    let calls = 0;
    const result = await runOpenLoop({
      rate: 1000,
      durationMs: 1000,
      maxRequests: 30,
      send: async (i) => {
        calls++;
        if (i % 3 === 0) throw new Error('connection reset');
        return i % 3 === 1;
      },
    });
    expect(calls).toBe(30);
    expect(result.requests).toBe(30);
    expect(result.errors).toBe(20);
  });

  it('refuses a rate that is not positive', async () => {
    await expect(runOpenLoop({ rate: 0, durationMs: 100, maxRequests: 10, send: async () => true })).rejects.toThrow(/rate must be positive/);
  });
});
