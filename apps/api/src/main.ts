// Entry point of the API: the embedded all-in-one service (`pnpm start`), or a distributed-mode
// replica when REDIS_URL is set (`pnpm start:api`, with `pnpm start:worker` beside it).
import { trimNativeHeap } from '@recsys/ann';
import { ConfigError, loadConfig } from './config.js';
import { createDistributedService } from './distributed-service.js';
import { createEmbeddedService } from './embedded-service.js';
import { collectGarbageNow, limitHeapGrowth } from './heap-tuning.js';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.heapGrowthPercent > 0) limitHeapGrowth(config.heapGrowthPercent);
  const redisUrl = process.env.REDIS_URL;
  const service = redisUrl
    ? await createDistributedService(config, { url: redisUrl, keyPrefix: process.env.RECSYS_KEY_PREFIX })
    : await createEmbeddedService(config);
  // The first request would build the serving state; built now, its garbage goes with the startup
  // collection. (A distributed replica's engine starts once Redis answers, so it builds on demand.)
  if (!redisUrl) await service.engine.warmUp();
  // Startup (the log replay above all) leaves several times the live heap behind: collect it
  // before serving rather than after the first idle spell, which a busy service may never have.
  if (config.heapGrowthPercent > 0) collectGarbageNow();
  // What startup freed in the C heap (typed arrays, read buffers) stays resident until trimmed:
  // 30-40 MB at 100k titles. Once only: a trim takes ~10 ms even with nothing to give back.
  trimNativeHeap();
  await service.app.listen({ host: config.host, port: config.port });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    service.logger.info({ signal }, 'shutting down');
    await service.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `configuration error: ${error.message}` : error);
  process.exit(1);
});
