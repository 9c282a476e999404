// The embedded service in this process on a loopback port, over a fresh data directory: no demo
// data, quiet logs, no scheduled retrain. `close()` stops it and deletes the directory.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createEmbeddedService, type EmbeddedService } from '../../src/embedded-service.js';

export interface TestService {
  service: EmbeddedService;
  baseUrl: string;
  close(): Promise<void>;
}

/** Starts the service; `env` adds to or overrides the test settings. */
export async function startTestService(dirPrefix: string, env: Record<string, string> = {}): Promise<TestService> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), dirPrefix));
  const service = await createEmbeddedService(
    loadConfig({ RECSYS_DATA_DIR: dataDir, RECSYS_DEMO: '0', LOG_LEVEL: 'silent', RECSYS_RETRAIN_INTERVAL_MINUTES: '0', ...env }),
  );
  const baseUrl = await service.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    service,
    baseUrl,
    close: async () => {
      await service.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
