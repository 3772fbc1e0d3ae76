// docker-compose.yml, the Dockerfile, Prometheus's config and grafana/ kept correct without a Docker
// engine: every file, directory, port, volume and command they name exists and agrees.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DASHBOARDS, DATASOURCE_UID, SCHEMA_VERSION, dashboardFiles } from '../../grafana/dashboards.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PROMTOOL = '/usr/bin/promtool';
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const compose = parse(read('docker-compose.yml')) as {
  services: Record<string, { build?: string; image?: string; command?: string[]; ports?: string[]; volumes?: string[]; environment?: Record<string, string>; depends_on?: unknown; healthcheck?: { test: string[] } }>;
  volumes: Record<string, unknown>;
};
const services = compose.services;

/** `./deploy/prometheus.yml:/etc/prometheus/prometheus.yml:ro` → its parts. */
function mounts(service: string): Array<{ source: string; target: string; bind: boolean }> {
  return (services[service]!.volumes ?? []).map((spec) => {
    const [source, target] = spec.split(':');
    return { source: source!, target: target!, bind: source!.startsWith('.') || source!.startsWith('/') };
  });
}

/** The local file a container path of a service maps to, through its bind mounts. */
function localPath(service: string, containerPath: string): string | null {
  for (const mount of mounts(service).filter((m) => m.bind)) {
    if (containerPath === mount.target) return path.join(ROOT, mount.source);
    if (containerPath.startsWith(`${mount.target}/`)) return path.join(ROOT, mount.source, containerPath.slice(mount.target.length + 1));
  }
  return null;
}

describe('docker-compose.yml', () => {
  it('runs Vigil, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(['grafana', 'prometheus', 'vigil']);
    expect(services.vigil!.build).toBe('.');
    expect(fs.existsSync(path.join(ROOT, 'Dockerfile'))).toBe(true);
  });

  it.each(Object.keys(services))('mounts only files and directories that exist, and named volumes that are declared (%s)', (service) => {
    for (const mount of mounts(service)) {
      if (mount.bind) expect(fs.existsSync(path.join(ROOT, mount.source)), mount.source).toBe(true);
      else expect(Object.keys(compose.volumes), mount.source).toContain(mount.source);
      expect(mount.target).toMatch(/^\//);
    }
  });

  it('depends only on services it defines', () => {
    for (const service of Object.values(services)) {
      const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys((service.depends_on as object) ?? {});
      for (const dep of deps) expect(Object.keys(services)).toContain(dep);
    }
  });

  it('publishes the port each program listens on', () => {
    const [vigilHost, vigilPort] = services.vigil!.ports![0]!.split(':');
    expect(vigilHost).toBe('8080');
    expect(services.vigil!.environment!.PORT).toBe(vigilPort);
    expect(read('Dockerfile')).toMatch(new RegExp(`^EXPOSE ${vigilPort}$`, 'm'));
    expect(services.prometheus!.ports).toEqual(['9090:9090']);
    expect(services.grafana!.ports).toEqual(['3000:3000']);
    // Prometheus scrapes Vigil by its service name and port; Grafana reaches Prometheus the same way.
    const prometheus = parse(read('deploy/prometheus.yml'));
    expect(prometheus.scrape_configs[0].static_configs[0].targets).toEqual([`vigil:${vigilPort}`]);
    const datasources = parse(read('grafana/provisioning/datasources/vigil.yaml')).datasources;
    expect(datasources).toEqual([expect.objectContaining({ uid: DATASOURCE_UID, type: 'prometheus', url: 'http://prometheus:9090' })]);
    expect(datasources[0].jsonData.timeInterval).toBe(prometheus.global.scrape_interval);
  });

  it("runs commands that exist: Vigil's CLI command, Prometheus's config and rules, Grafana's dashboards", () => {
    expect(services.vigil!.command).toEqual(['serve']);
    expect(read('cli/vigil.ts')).toContain("vigil serve [");
    expect(services.vigil!.environment!.VIGIL_DB).toMatch(/^\/data\//);
    expect(mounts('vigil').some((m) => m.target === '/data' && !m.bind)).toBe(true);
    // The image's own check (`vigil healthcheck` asks /health/ready; test/cli/healthcheck.test.ts).
    expect(services.vigil!.healthcheck!.test).toEqual(['CMD', ...healthcheckCommand(read('Dockerfile'))]);

    const configFlag = services.prometheus!.command!.find((arg) => arg.startsWith('--config.file='))!;
    const config = localPath('prometheus', configFlag.slice('--config.file='.length));
    expect(config).toBe(path.join(ROOT, 'deploy', 'prometheus.yml'));
    const storage = services.prometheus!.command!.find((arg) => arg.startsWith('--storage.tsdb.path='))!.split('=')[1];
    expect(mounts('prometheus').some((m) => m.target === storage && !m.bind)).toBe(true);
    // Rule files are relative to the config: the same name next to it in the container as in deploy/.
    for (const ruleFile of parse(read('deploy/prometheus.yml')).rule_files) {
      expect(localPath('prometheus', path.posix.join('/etc/prometheus', ruleFile))).toBe(path.join(ROOT, 'deploy', ruleFile));
    }

    const provisioning = localPath('grafana', '/etc/grafana/provisioning');
    expect(provisioning).toBe(path.join(ROOT, 'grafana', 'provisioning'));
    for (const provider of parse(read('grafana/provisioning/dashboards/vigil.yaml')).providers) {
      const dir = localPath('grafana', provider.options.path);
      expect(dir).toBe(path.join(ROOT, 'grafana', 'dashboards'));
      expect(fs.readdirSync(dir!).filter((f) => f.endsWith('.json')).length).toBe(DASHBOARDS.length);
    }
    expect(fs.existsSync(localPath('grafana', services.grafana!.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!)!)).toBe(true);
  });

  it.skipIf(!fs.existsSync(PROMTOOL))("has a Prometheus config promtool check config passes, with its rule files", () => {
    const run = spawnSync(PROMTOOL, ['check', 'config', 'deploy/prometheus.yml'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(`${run.stdout}${run.stderr}`).toMatch(/SUCCESS: deploy\/prometheus\.yml is valid/);
    expect(`${run.stdout}${run.stderr}`).toMatch(/SUCCESS: \d+ rules found/);
    expect(run.status).toBe(0);
  });
});

/** The exec-form CMD of the Dockerfile's HEALTHCHECK (its continuation lines joined). */
function healthcheckCommand(dockerfile: string): string[] {
  const instruction = /^HEALTHCHECK ((?:[^\n]*\\\n)*[^\n]*)$/m.exec(dockerfile)![1]!.replace(/\\\n/g, ' ');
  return JSON.parse(/\bCMD (\[.*\])\s*$/.exec(instruction)![1]!);
}

/** The Node LTS major .ci/run tests besides the machine's Node. */
const CI_LTS_MAJOR = Number(/^NEWEST_LTS_MAJOR=(\d+)$/m.exec(read('.ci/run'))?.[1]);

describe('the Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  it('runs on the Node LTS CI tests, as a non-root user, its health check the vigil healthcheck command', () => {
    expect(CI_LTS_MAJOR).toBeGreaterThanOrEqual(26);
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(bases.length).toBe(2);
    for (const base of bases) expect(base).toBe(`node:${CI_LTS_MAJOR}-bookworm-slim`);
    // The last USER before ENTRYPOINT is who runs Vigil; neither root by name nor by uid.
    const entrypoint = dockerfile.search(/^ENTRYPOINT /m);
    const users = [...dockerfile.slice(0, entrypoint).matchAll(/^USER (\S+)$/gm)].map((m) => m[1]!);
    expect(entrypoint).toBeGreaterThan(0);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)!.split(':')[0]).not.toMatch(/^(root|0)$/);
    expect(healthcheckCommand(dockerfile)).toEqual(['node', JSON.parse(read('package.json')).bin.vigil, 'healthcheck']);
    // The port serve listens on is the config's server.port unless PORT says otherwise: the image must not.
    expect(dockerfile).not.toMatch(/^ENV [^\n]*\bPORT=/m);
  });

  it('names in engines the Node versions CI tests, and the README says them', () => {
    const engines = JSON.parse(read('package.json')).engines.node;
    expect(engines).toBe(`^20.19.0 || ^${CI_LTS_MAJOR}.0.0`);
    expect(read('README.md')).toContain(`Node.js 20.19 or later 20.x, and Node.js ${CI_LTS_MAJOR}`);
  });

  it('builds in one stage and runs from another, as a non-root user, with a health check on /health/ready and a data volume', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^FROM \S+ AS build$/m);
    expect(dockerfile).toMatch(/^COPY --from=build /m);
    const user = /^USER (\S+)$/m.exec(dockerfile);
    expect(user?.[1]).toBeDefined();
    expect(['root', '0']).not.toContain(user![1]);
    // `vigil healthcheck` GETs /health/ready (test/cli/healthcheck.test.ts, test/e2e/serve-config.test.ts).
    expect(healthcheckCommand(dockerfile).slice(-1)).toEqual(['healthcheck']);
    expect(read('cli/healthcheck.ts')).toContain('/health/ready');
    expect(dockerfile).toMatch(/^VOLUME \/data$/m);
    expect(dockerfile).toMatch(/chown node:node \/data/);
  });

  it('runs what the build produces: the CLI named in package.json', () => {
    const pkg = JSON.parse(read('package.json'));
    // With the OpenTelemetry preload, as `npm start` runs it (it loads nothing unless OTEL_EXPORTER_OTLP_* is set),
    // and V8's helper threads sized to the host's CPUs, not Node's fixed 4 (README, "V8's helper threads").
    expect(dockerfile).toMatch(new RegExp(`^ENTRYPOINT \\["node", "--v8-pool-size=0", "--import", "\\./dist/collector/instrument\\.js", "${pkg.bin.vigil}"\\]$`, 'm'));
    expect(pkg.scripts.start).toContain('node --v8-pool-size=0 --import ./dist/collector/instrument.js');
    expect(pkg.scripts.build).toMatch(/build:server/);
    expect(read('.dockerignore')).toMatch(/^node_modules$/m);
  });
});

describe('grafana/', () => {
  it('holds the dashboards grafana/dashboards.ts generates (npm run grafana)', () => {
    for (const { file, text } of dashboardFiles()) expect(read(`grafana/dashboards/${file}`), `run npm run grafana (${file})`).toBe(text);
  });

  it.each(DASHBOARDS.map((d) => [d.uid]))('%s: a fixed uid, the current schema, ${datasource}, env and service variables', (uid) => {
    const dashboard = JSON.parse(read(`grafana/dashboards/${uid}.json`));
    expect(dashboard.uid).toBe(uid);
    expect(dashboard.schemaVersion).toBe(SCHEMA_VERSION);
    expect(dashboard.templating.list.map((v: { name: string }) => v.name)).toEqual(['datasource', 'env', 'service']);
    expect(dashboard.templating.list[0]).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(5);
    for (const panel of dashboard.panels) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) expect(target.datasource.uid).toBe('${datasource}');
      // Vigil's measurements follow the env and service the viewer picked.
      for (const target of panel.targets) if (/vigil_(probe_(success|duration|last)|slo|replica|queue|health|check)/.test(target.expr)) expect(target.expr).toContain('env=~"$env",service=~"$service"');
    }
    expect(new Set(dashboard.panels.map((p: { id: number }) => p.id)).size).toBe(dashboard.panels.length);
  });
});
