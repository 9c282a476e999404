// Child process for the crash test: appends events as fast as it can from several concurrent
// writers and prints every acknowledged event id (stdout to a pipe is synchronous on Linux, so a
// printed id was acknowledged before any kill). Some batches retry an acknowledged id.
import { createEmbeddedStore } from './store.js';
import { event } from './test-support.js';

const [dataDir = '', prefix = 'e'] = process.argv.slice(2);
const store = createEmbeddedStore({ dataDir });
await store.open();
process.stdout.write('ready\n');

let next = 0;
let lastAcked: string | undefined;

async function writer(w: number): Promise<never> {
  for (;;) {
    const batch = Array.from({ length: 5 }, () => {
      const n = next++;
      return event(`${prefix}-${n}`, `u${w}`, `i${n % 50}`, 'click', { at: n });
    });
    if (lastAcked) batch.push(event(lastAcked, 'u-retry', 'i0', 'click'));
    const { accepted } = await store.events.append(batch);
    lastAcked = accepted.at(-1);
    process.stdout.write(accepted.map((id) => `ack ${id}\n`).join(''));
  }
}

await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
