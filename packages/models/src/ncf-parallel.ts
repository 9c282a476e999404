import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from './module-worker.js';
import type { NcfLayout } from './ncf-network.js';
import type { NcfState, NcfTrainingSet, NcfTrainOptions } from './ncf-train.js';
import type { NcfWorkerData, NcfWorkerReply, NcfWorkerRequest } from './ncf-worker.js';

/** Copies the state into SharedArrayBuffers so worker threads can update it in place. */
export function shareState(state: NcfState): NcfState {
  const share = (a: Float32Array) => {
    const shared = new Float32Array(new SharedArrayBuffer(a.byteLength));
    shared.set(a);
    return shared;
  };
  return { params: share(state.params), m: share(state.m), v: share(state.v) };
}

/**
 * Runs `epochs` epochs, each thread on its shard of the examples, all on the same shared
 * parameters (Hogwild). `state` must be backed by SharedArrayBuffers (see shareState).
 * `onEpoch` gets the example-weighted mean loss after each epoch.
 */
export async function trainInWorkers(
  layout: NcfLayout,
  state: NcfState,
  options: NcfTrainOptions,
  data: NcfTrainingSet,
  shards: readonly Int32Array[],
  seed: number,
  epochs: number,
  learningRateAt: (epoch: number) => number,
  onEpoch: (epoch: number, loss: number) => void,
): Promise<void> {
  const buffer = (a: Float32Array) => {
    if (!(a.buffer instanceof SharedArrayBuffer)) throw new TypeError('NCF state must be shared for worker training');
    return a.buffer;
  };
  const workers: Worker[] = shards.map((shard, thread) =>
    startModuleWorker(new URL('./ncf-worker.ts', import.meta.url), {
      workerData: {
        layout,
        params: buffer(state.params),
        m: buffer(state.m),
        v: buffer(state.v),
        options,
        data,
        shard,
        seed: seed + 7919 * (thread + 1),
      } satisfies NcfWorkerData,
    }),
  );
  const replies = workers.map((worker) => {
    const queue: ((reply: NcfWorkerReply) => void)[] = [];
    let failure: Error | undefined;
    worker.on('message', (reply: NcfWorkerReply) => queue.shift()?.(reply));
    const fail = (error: Error) => {
      failure = error;
      for (const resolve of queue.splice(0)) resolve({ type: 'error', message: error.message });
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`NCF worker exited with code ${code}`)));
    return (request: NcfWorkerRequest) =>
      new Promise<NcfWorkerReply>((resolve) => {
        if (failure) return resolve({ type: 'error', message: failure.message });
        queue.push(resolve);
        worker.postMessage(request);
      });
  });
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const results = await Promise.all(replies.map((send) => send({ type: 'epoch', epoch, learningRate: learningRateAt(epoch) })));
      let loss = 0;
      let examples = 0;
      results.forEach((reply, thread) => {
        if (reply.type === 'error') throw new Error(`NCF training thread ${thread} failed: ${reply.message}`);
        loss += reply.loss * shards[thread]!.length;
        examples += shards[thread]!.length;
      });
      onEpoch(epoch, examples ? loss / examples : 0);
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
