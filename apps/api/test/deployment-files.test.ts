// No Docker engine or Render account runs the deployment files here, so they are checked against
// the code: commands must be real scripts, variables must be ones the apps read.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;

/** Every environment variable the apps read: `env.NAME`, or a name handed to a parser as `(env, 'NAME'`. */
function variablesReadByApps(): Set<string> {
  const names = new Set<string>();
  for (const app of ['apps/api/src', 'apps/worker/src']) {
    for (const file of readdirSync(path.join(ROOT, app), { recursive: true }) as string[]) {
      if (!file.endsWith('.ts')) continue;
      for (const match of read(path.join(app, file)).matchAll(/\benv(?:\.|, ')([A-Z][A-Z0-9_]+)/g)) names.add(match[1]!);
    }
  }
  return names;
}

const commandScript = (command: string | string[]) => {
  const words = Array.isArray(command) ? command : command.split(' ');
  expect(words[0]).toBe('pnpm');
  return words[1]!;
};

describe('deployment files', () => {
  const known = variablesReadByApps();

  it('docker-compose runs Redis with AOF and noeviction, and the api and worker with real scripts and variables', () => {
    const compose = parse(read('docker-compose.yml'), { merge: true });
    const redisConf = read(compose.services.redis.volumes[0].split(':')[0]);
    expect(redisConf).toMatch(/^appendonly yes$/m);
    expect(redisConf).toMatch(/^maxmemory-policy noeviction$/m);
    for (const name of ['api', 'worker']) {
      const service = compose.services[name];
      expect(scripts[commandScript(service.command)]).toBeDefined();
      expect(service.environment.REDIS_URL).toBe('redis://redis:6379');
      for (const variable of Object.keys(service.environment)) expect(known, `${name}: ${variable}`).toContain(variable);
    }
    expect(scripts[commandScript(compose.services.api.command)]).toContain('apps/api/src/main.ts');
    expect(scripts[commandScript(compose.services.worker.command)]).toContain('apps/worker/src/main.ts');
  });

  it('the free Render blueprint is one web service in embedded mode', () => {
    const blueprint = parse(read('render.yaml'));
    expect(blueprint.services).toHaveLength(1);
    const [web] = blueprint.services;
    expect(web).toMatchObject({ type: 'web', plan: 'free', runtime: 'docker' });
    const variables = web.envVars.map((v: { key: string }) => v.key);
    expect(variables).not.toContain('REDIS_URL');
    for (const variable of variables) expect(known).toContain(variable);
    read(web.dockerfilePath);
  });

  it('the production Render blueprint wires REDIS_URL from a noeviction Key Value into web and worker', () => {
    const blueprint = parse(read('infra/render/production.yaml'));
    const byType = Object.fromEntries(blueprint.services.map((s: { type: string }) => [s.type, s]));
    expect(byType.keyvalue.maxmemoryPolicy).toBe('noeviction');
    for (const type of ['web', 'worker']) {
      const service = byType[type];
      expect(scripts[commandScript(service.dockerCommand)]).toBeDefined();
      const redis = service.envVars.find((v: { key: string }) => v.key === 'REDIS_URL');
      expect(redis.fromService).toEqual({ type: 'keyvalue', name: byType.keyvalue.name, property: 'connectionString' });
      for (const { key } of service.envVars) expect(known).toContain(key);
    }
  });

  it('the Dockerfile copies every workspace manifest before installing with the lockfile', () => {
    const dockerfile = read('infra/Dockerfile');
    const install = dockerfile.indexOf('pnpm install --frozen-lockfile');
    for (const app of readdirSync(path.join(ROOT, 'apps'))) {
      const copy = dockerfile.indexOf(`COPY apps/${app}/package.json`);
      expect(copy, app).toBeGreaterThan(-1);
      expect(copy).toBeLessThan(install);
    }
    expect(dockerfile).toMatch(/libfaiss-dev/);
  });
});
