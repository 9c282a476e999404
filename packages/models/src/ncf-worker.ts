// Worker entry of parallel NCF training: trains its shard of the examples on parameters shared
// with the other threads, one epoch per message from the parent.

import { parentPort, workerData } from 'node:worker_threads';
import type { NcfLayout } from './ncf-network.js';
import { ShardTrainer, shuffle, type NcfTrainingSet, type NcfTrainOptions } from './ncf-train.js';
import { mulberry32 } from './random.js';

export interface NcfWorkerData {
  layout: NcfLayout;
  params: SharedArrayBuffer;
  m: SharedArrayBuffer;
  v: SharedArrayBuffer;
  options: NcfTrainOptions;
  data: NcfTrainingSet;
  shard: Int32Array;
  seed: number;
}

export type NcfWorkerRequest = { type: 'epoch'; epoch: number; learningRate: number } | { type: 'stop' };
export type NcfWorkerReply = { type: 'done'; epoch: number; loss: number } | { type: 'error'; message: string };

if (parentPort) {
  const port = parentPort;
  const init = workerData as NcfWorkerData;
  const trainer = new ShardTrainer(
    init.layout,
    { params: new Float32Array(init.params), m: new Float32Array(init.m), v: new Float32Array(init.v) },
    init.options,
    init.data,
  );
  const order = init.shard.slice();
  port.on('message', (request: NcfWorkerRequest) => {
    if (request.type === 'stop') {
      port.close();
      return;
    }
    try {
      trainer.learningRate = request.learningRate;
      const random = mulberry32(init.seed + 1_000_003 * request.epoch);
      const loss = trainer.trainEpoch(shuffle(order, random), random);
      port.postMessage({ type: 'done', epoch: request.epoch, loss } satisfies NcfWorkerReply);
    } catch (error) {
      port.postMessage({ type: 'error', message: String((error as Error)?.stack ?? error) } satisfies NcfWorkerReply);
    }
  });
}
