// Entry point of the distributed-mode worker (`pnpm start:worker`): trains models from the jobs
// the API and the schedules enqueue. SIGTERM lets a running job finish within the grace period,
// else hands it back to its queue for another worker, then exits.
import { loadWorkerConfig, WorkerConfigError } from './config.js';
import { createWorkerService } from './worker-service.js';

async function main(): Promise<void> {
  const service = await createWorkerService(loadWorkerConfig());
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    service.logger.info({ signal }, 'shutting down: finishing or handing back the running job');
    try {
      await service.close();
      service.logger.info('worker stopped');
      process.exit(0);
    } catch (error) {
      service.logger.error({ err: error }, 'worker did not shut down cleanly');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof WorkerConfigError ? `configuration error: ${error.message}` : error);
  process.exit(1);
});
