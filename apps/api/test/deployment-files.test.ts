// No Docker engine or Render account runs the deployment files here, so they are checked against
// the code: commands must be real scripts, variables must be ones the apps read.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
    expect(scripts[commandScript(compose.services.api.command)]).toContain('apps/api/dist/main.js');
    expect(scripts[commandScript(compose.services.worker.command)]).toContain('apps/worker/dist/main.js');
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

  describe('monitoring: alert rules and dashboard', () => {
    /** Metrics the API exports: declared as `${p}name` or `${METRIC_PREFIX}name` in its plugins. */
    const exported = new Set<string>();
    for (const file of readdirSync(path.join(ROOT, 'apps/api/src/plugins'))) {
      for (const m of read(`apps/api/src/plugins/${file}`).matchAll(/name: `\$\{(?:p|METRIC_PREFIX)\}([a-z0-9_]+)`/g)) exported.add(`recsys_${m[1]}`);
    }
    const histogramOf = (name: string) => name.replace(/_(bucket|count|sum)$/, '');
    /** prom-client's default process metrics carry the prefix too. */
    const known = (name: string) => exported.has(name) || exported.has(histogramOf(name)) || /^recsys_(process|nodejs)_/.test(name);
    const metricNames = (expr: string) => [...expr.matchAll(/\brecsys_[a-z0-9_]+/g)].map((m) => m[0]);

    it('Prometheus loads the alert rules, and Grafana its provisioning and dashboards, under the monitoring profile', () => {
      const compose = parse(read('docker-compose.yml'), { merge: true });
      const mounts = (service: string) =>
        Object.fromEntries((compose.services[service].volumes as string[]).map((v) => v.split(':')).map(([from, to]) => [to!, from!]));
      for (const service of ['prometheus', 'grafana']) {
        expect(compose.services[service].profiles).toContain('monitoring');
        for (const from of Object.values(mounts(service))) expect(existsSync(path.join(ROOT, from)), from).toBe(true);
      }
      const prometheus = parse(read(mounts('prometheus')['/etc/prometheus/prometheus.yml']!));
      expect(prometheus.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
      expect(mounts('prometheus')['/etc/prometheus/alerts.yml']).toBe('./infra/prometheus/alerts.yml');
      const grafana = mounts('grafana');
      const providers = parse(read(path.join(grafana['/etc/grafana/provisioning']!, 'dashboards/recsys.yml'))).providers;
      expect(grafana[providers[0].options.path]).toBe('./infra/grafana/dashboards');
      const datasource = parse(read(path.join(grafana['/etc/grafana/provisioning']!, 'datasources/prometheus.yml'))).datasources[0];
      expect(datasource.url).toBe(`http://prometheus:${compose.services.prometheus.ports[0].split(':')[1]}`);
    });

    it('the alert rules cover errors, latency, degradation, drift, model age and queues, on metrics the API exports', () => {
      const rules = parse(read('infra/prometheus/alerts.yml')).groups.flatMap((g: { rules: unknown[] }) => g.rules) as { alert: string; expr: string }[];
      expect(exported.size).toBeGreaterThan(10);
      for (const rule of rules) {
        expect(rule.alert).toMatch(/^Recsys/);
        for (const name of metricNames(rule.expr)) expect(known(name), `${rule.alert}: ${name}`).toBe(true);
      }
      const exprs = rules.map((r) => r.expr).join('\n');
      expect(exprs).toMatch(/status_code=~"5\.\."/);
      expect(exprs).toMatch(/histogram_quantile\(0\.95/);
      expect(exprs).toContain('recsys_recommendation_degraded_total');
      expect(exprs).toMatch(/recsys_drift_psi > 0\.25/);
      expect(exprs).toContain('recsys_model_age_seconds');
      expect(exprs).toContain('recsys_job_queue_depth');
    });

    it('the Grafana dashboard parses and graphs only metrics the API exports, from the provisioned datasource', () => {
      const dashboard = JSON.parse(read('infra/grafana/dashboards/recsys-overview.json'));
      const uid = parse(read('infra/grafana/provisioning/datasources/prometheus.yml')).datasources[0].uid;
      const targets = dashboard.panels.flatMap((panel: { targets: { expr: string; datasource: { uid: string } }[] }) => panel.targets);
      expect(targets.length).toBeGreaterThan(10);
      for (const target of targets) {
        expect(target.datasource.uid).toBe(uid);
        for (const name of metricNames(target.expr)) expect(known(name), name).toBe(true);
      }
      const graphed = new Set(targets.flatMap((t: { expr: string }) => metricNames(t.expr)));
      for (const name of ['recsys_drift_psi', 'recsys_exposure_gini', 'recsys_cache_lookups_total', 'recsys_model_info', 'recsys_job_queue_depth']) {
        expect(graphed).toContain(name);
      }
    });
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
