/**
 * The deployment files kept true (no container daemon runs here, so what can be checked is checked):
 * the Dockerfile parsed (multi-stage, pinned Node 20 slim base, `npm ci --omit=dev`, models inside,
 * non-root, HEALTHCHECK on /live, no secret baked in); compose.yaml and every deploy/k8s/*.yaml
 * parsed; every environment variable they set is a variable of src/config.ts, the variables a fleet
 * needs are set, and the resulting environment passes `loadConfig`; the commands they run exist.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { configSchema, loadConfig } from '../../src/config.js';
import { parseWorkerFlags } from '../../src/worker.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');
const VARIABLES = new Set(Object.keys(configSchema.shape));
const VERSION = JSON.parse(read('package.json')).version as string;
const IMAGE = `kpi-calibrator:${VERSION}`;
/** What a fleet's processes must be given (the defaults are for one process on one machine). */
const FLEET_REQUIRED = ['DATABASE_URL', 'REDIS_URL', 'KPI_ADMIN_KEY'];
/** Stand-ins for the secrets the files leave to the operator. */
const SAMPLE_SECRETS: Record<string, string> = {
  DATABASE_URL: 'postgres://kpi:pw@postgres:5432/kpi',
  REDIS_URL: 'redis://redis:6379',
  KPI_ADMIN_KEY: 'k'.repeat(32),
  POSTGRES_PASSWORD: 'pw',
};
const CLI = read('src/cli.ts');
const cliHas = (command: string) => new RegExp(`case '${command}':`).test(CLI);

interface Instruction {
  op: string;
  args: string;
  stage: number;
}

/** Dockerfile → instructions (comments dropped, `\` continuations joined), each with its stage index. */
function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!current && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) current += `${line.slice(0, -1)} `;
    else {
      logical.push(current + line);
      current = '';
    }
  }
  let stage = -1;
  return logical.map((l) => {
    const m = /^(\w+)\s+(.*)$/s.exec(l);
    if (!m) throw new Error(`not an instruction: ${l}`);
    const op = m[1]!.toUpperCase();
    if (op === 'FROM') stage++;
    return { op, args: m[2]!.trim(), stage };
  });
}

/** `A=1 B="x y"` (ENV) → entries. */
function envPairs(args: string): [string, string][] {
  return [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)].map((m) => [m[1]!, m[2]!.replace(/^"|"$/g, '')]);
}

/** Compose interpolation (`${X}`, `${X:?msg}`, `${X:-default}`) with the sample secrets. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::?[?-][^}]*)?\}/g, (_, name: string) => {
    const v = SAMPLE_SECRETS[name];
    if (v === undefined) throw new Error(`compose.yaml interpolates ${name}, which has no sample`);
    return v;
  });
}

function expectKnown(where: string, names: Iterable<string>) {
  const unknown = [...names].filter((n) => !VARIABLES.has(n));
  expect(unknown, `${where}: variables not in src/config.ts`).toEqual([]);
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const lastStage = Math.max(...dockerfile.map((i) => i.stage));
const imageEnv = Object.fromEntries(
  dockerfile.filter((i) => i.op === 'ENV' && i.stage === lastStage).flatMap((i) => envPairs(i.args)),
);

describe('Dockerfile', () => {
  it('is multi-stage on a pinned Node 20 slim base', () => {
    const froms = dockerfile.filter((i) => i.op === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) {
      const image = f.args.split(/\s+/)[0]!;
      if (froms.some((g) => new RegExp(`\\sAS\\s+${image}$`, 'i').test(g.args))) continue; // an earlier stage
      expect(image).toMatch(/^node:20\.\d+\.\d+-[a-z]+-slim$/);
    }
  });

  it('installs production dependencies with npm ci --omit=dev and puts the models and sources inside', () => {
    const runs = dockerfile.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm (install|i)\b/.test(r))).toBe(false);
    const copies = dockerfile.filter((i) => i.op === 'COPY' && i.stage === lastStage).map((i) => i.args);
    // data/aspects: the labels train_aspects reads by default (src/reviews/sentiment/aspect-data.ts)
    for (const dir of ['models', 'src', 'bin', 'node_modules', 'data/aspects'])
      expect(
        copies.some((c) => new RegExp(`\\s\\./${dir}$|\\s/app/${dir}$`).test(c)),
        dir,
      ).toBe(true);
    // what it copies from the build context exists
    for (const c of dockerfile.filter((i) => i.op === 'COPY' && !i.args.includes('--from')))
      for (const src of c.args
        .split(/\s+/)
        .filter((w) => !w.startsWith('--'))
        .slice(0, -1))
        expect(existsSync(path.join(ROOT, src)), src).toBe(true);
    // the build context keeps local data and environment files out
    const ignore = read('.dockerignore').split('\n');
    for (const p of ['.data', '**/.env', 'node_modules', '.git']) expect(ignore).toContain(p);
    // the one part of data/ the image needs is let back in after data/ is left out
    expect(ignore.indexOf('!data/aspects')).toBeGreaterThan(ignore.indexOf('data'));
  });

  it('runs as a non-root user, with a HEALTHCHECK on the liveness route', () => {
    const users = dockerfile.filter((i) => i.op === 'USER' && i.stage === lastStage);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)!.args).not.toMatch(/^(root|0)(:|$)/);
    const health = dockerfile.filter((i) => i.op === 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    expect(health[0]!.args).toMatch(/\/live\b/);
    const entry = dockerfile.find((i) => i.op === 'ENTRYPOINT')!.args;
    expect(existsSync(path.join(ROOT, JSON.parse(entry)[1]))).toBe(true);
    expect(cliHas(JSON.parse(dockerfile.find((i) => i.op === 'CMD')!.args)[0])).toBe(true);
  });

  it('bakes in no secret; its variables are configuration variables that load', () => {
    expectKnown('Dockerfile ENV', Object.keys(imageEnv));
    for (const name of [
      ...Object.keys(imageEnv),
      ...dockerfile.filter((i) => i.op === 'ARG').map((i) => i.args.split('=')[0]!),
    ])
      expect(name, 'a secret in the image').not.toMatch(/KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL|REDIS_URL/);
    expect(read('Dockerfile')).not.toMatch(/kpi_[0-9a-f]{12}_|postgres:\/\/[^@\s]+:[^@\s]+@/);
    expect(() => loadConfig(imageEnv)).not.toThrow();
    expect(imageEnv.HOST).toBe('0.0.0.0');
  });
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as {
    services: Record<
      string,
      {
        image: string;
        command?: string[];
        environment?: Record<string, string>;
        healthcheck?: { test?: string[]; disable?: boolean };
        depends_on?: Record<string, { condition: string }>;
      }
    >;
  };
  const services = Object.entries(compose.services);
  const ours = services.filter(([, s]) => s.image === IMAGE);
  const byCommand = (c: string) => ours.filter(([, s]) => s.command?.[0] === c);

  it('has postgres, redis, the migration, api × 2 and worker × 2, with health checks', () => {
    expect(compose.services.postgres?.image).toMatch(/^postgres:\d+\.\d+/);
    expect(compose.services.redis?.image).toMatch(/^redis:\d+\.\d+/);
    expect(byCommand('serve')).toHaveLength(2);
    expect(byCommand('worker')).toHaveLength(2);
    expect(byCommand('migrate')).toHaveLength(1);
    for (const name of ['postgres', 'redis']) expect(compose.services[name]!.healthcheck?.test).toBeDefined();
    for (const [name, s] of byCommand('serve')) {
      expect(s.healthcheck?.test?.join(' '), name).toMatch(/\/ready\b/);
      expect(s.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    }
    // a worker has no HTTP listener: the image's /live check would mark it unhealthy
    for (const [, s] of byCommand('worker')) expect(s.healthcheck?.disable).toBe(true);
    expect(compose.services.migrate!.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it('sets only configuration variables, the ones a fleet needs, with values that load; secrets from outside', () => {
    for (const [name, s] of ours) {
      const env = s.environment ?? {};
      expectKnown(`compose ${name}`, Object.keys(env));
      for (const v of ['DATABASE_URL', 'REDIS_URL']) expect(env[v], `${name} ${v}`).toBeDefined();
      const loaded = loadConfig({
        ...imageEnv,
        ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v))])),
      });
      expect(loaded.demo).toBe(false);
      if (s.command?.[0] === 'worker') parseWorkerFlags(flags(s.command.slice(1)));
    }
    for (const [name, s] of byCommand('serve')) {
      const env = s.environment!;
      for (const v of FLEET_REQUIRED) expect(env[v], `${name} ${v}`).toBeDefined();
      expect(env.KPI_ADMIN_KEY).toMatch(/^\$\{KPI_ADMIN_KEY:\?/);
      expect(env.DATABASE_URL).toMatch(/:\$\{POSTGRES_PASSWORD:\?[^}]*\}@/);
      expect(Number(env.SHUTDOWN_DRAIN_MS)).toBeGreaterThan(0);
      expect(
        loadConfig({ ...imageEnv, REDIS_URL: 'redis://r:6379', RATE_LIMIT_STORE: env.RATE_LIMIT_STORE }).rateLimit
          .store,
      ).toBe('redis');
    }
    expect(compose.services.postgres!.environment!.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
  });
});

/** `--concurrency 1 --grace-ms 3000` → { concurrency: '1', 'grace-ms': '3000' } */
function flags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) out[args[i]!.replace(/^--/, '')] = args[i + 1]!;
  return out;
}

describe('deploy/k8s', () => {
  const dir = path.join(ROOT, 'deploy/k8s');
  // biome-ignore lint/suspicious/noExplicitAny: parsed manifests are walked by key
  const docs: any[] = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) =>
      parseAllDocuments(readFileSync(path.join(dir, f), 'utf8')).map((d) => {
        expect(d.errors, f).toEqual([]);
        return d.toJS();
      }),
    );
  const of = (kind: string) => docs.filter((d) => d.kind === kind);
  const configMap = of('ConfigMap')[0];
  const secret = of('Secret')[0];
  const deployments = of('Deployment');
  const api = deployments.find((d) => d.spec.template.spec.containers[0].args[0] === 'serve');
  const worker = deployments.find((d) => d.spec.template.spec.containers[0].args[0] === 'worker');
  const job = of('Job')[0];
  const podEnv = (container: { env?: { name: string; value?: string }[]; envFrom?: unknown[] }) => ({
    ...imageEnv,
    ...configMap.data,
    ...Object.fromEntries(Object.keys(secret.stringData).map((k) => [k, SAMPLE_SECRETS[k]])),
    ...Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value])),
  });

  it('parses into the API Deployment and Service, the worker Deployment, the migration Job, a ConfigMap and a Secret', () => {
    expect(docs.every((d) => d.apiVersion && d.kind && d.metadata?.name)).toBe(true);
    expect(api).toBeDefined();
    expect(worker).toBeDefined();
    expect(job?.spec.template.spec.containers[0].args).toEqual(['migrate']);
    expect(cliHas('migrate')).toBe(true);
    expect(configMap).toBeDefined();
    expect(secret).toBeDefined();
    const service = of('Service')[0];
    for (const [k, v] of Object.entries(service.spec.selector)) expect(api.spec.template.metadata.labels[k]).toBe(v);
    const port = api.spec.template.spec.containers[0].ports.find(
      (p: { name: string }) => p.name === service.spec.ports[0].targetPort,
    );
    expect(String(port.containerPort)).toBe(configMap.data.PORT);
  });

  it('the API has liveness on /live and readiness on /ready, and drains longer than readiness takes to notice', () => {
    const c = api.spec.template.spec.containers[0];
    expect(c.livenessProbe.httpGet.path).toBe('/live');
    expect(c.readinessProbe.httpGet.path).toBe('/ready');
    expect(api.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const notice = c.readinessProbe.periodSeconds * c.readinessProbe.failureThreshold * 1000;
    const drain = Number(configMap.data.SHUTDOWN_DRAIN_MS);
    const grace = Number(configMap.data.SHUTDOWN_GRACE_MS);
    expect(drain).toBeGreaterThan(notice);
    expect(api.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(drain + 2 * grace);
    const w = worker.spec.template.spec;
    const workerFlags = parseWorkerFlags(flags(w.containers[0].args.slice(1)));
    expect(w.terminationGracePeriodSeconds * 1000).toBeGreaterThan((workerFlags.graceMs ?? 30_000) + grace);
  });

  it('every variable is a configuration variable; the fleet ones are set; secrets are left empty', () => {
    expectKnown('ConfigMap', Object.keys(configMap.data));
    expectKnown('Secret', Object.keys(secret.stringData));
    for (const v of FLEET_REQUIRED) expect(v in configMap.data || v in secret.stringData, v).toBe(true);
    for (const [k, v] of Object.entries(secret.stringData)) expect(v, `secret ${k} committed`).toBe('');
    for (const v of Object.keys(secret.stringData)) expect(configMap.data[v], `${v} in the ConfigMap`).toBeUndefined();
    for (const d of [...deployments, job]) {
      const spec = d.spec.template.spec;
      expect(spec.securityContext.runAsNonRoot, d.metadata.name).toBe(true);
      for (const c of spec.containers) {
        expect(c.image).toBe(IMAGE);
        expectKnown(
          `${d.metadata.name} env`,
          (c.env ?? []).map((e: { name: string }) => e.name),
        );
        const refs = (c.envFrom ?? []).map((e: { configMapRef?: { name: string }; secretRef?: { name: string } }) =>
          e.configMapRef ? `cm:${e.configMapRef.name}` : `secret:${e.secretRef?.name}`,
        );
        expect(refs.sort()).toEqual([`cm:${configMap.metadata.name}`, `secret:${secret.metadata.name}`].sort());
        const config = loadConfig(podEnv(c));
        expect(config.rateLimit.store).toBe('redis');
        expect(config.demo).toBe(false);
        expect(cliHas(c.args[0])).toBe(true);
      }
    }
  });
});
