// Entry point of the embedded all-in-one service (`pnpm start`).
import { ConfigError, loadConfig } from './config.js';
import { createEmbeddedService } from './embedded-service.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const service = await createEmbeddedService(config);
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
