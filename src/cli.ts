#!/usr/bin/env node
/**
 * `kpi` command: serve | worker | keys (create, rotate, revoke, list) | models (list, promote, rollback) |
 * backup | restore | migrate.
 * `npm start` = `kpi serve`; `npm run kpi -- keys create --name ci --scopes scorer`. Every command
 * goes through the service layer (src/services), like the HTTP routes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SCOPES, type Scope } from './auth/keys.js';
import { ConfigError, type Config, loadConfig } from './config.js';
import { PG_DUMP_HINT, restorePglite, tableCounts } from './db/backup.js';
import { openDb } from './db/index.js';
import { createQueue } from './jobs/index.js';
import type { JobQueue, JobStatus } from './jobs/types.js';
import { createServices, type Services } from './services/index.js';

const USAGE = `usage:
  kpi serve                                   run the HTTP service
  kpi worker [--concurrency N] [--lock-ms MS] [--grace-ms MS] [--queue NAME]
                                              run a job worker (needs REDIS_URL and DATABASE_URL)
  kpi keys create --name NAME --scopes a,b    create an API key (scopes: ${SCOPES.join(', ')}); prints it once
  kpi keys create … --expires 2026-12-31      …with an expiry date (default none, or KEY_MAX_DAYS)
  kpi keys create --name N --scopes agent --agent E0003
                                              an agent's own key (their rating, reviews and appeals only)
  kpi keys rotate ID [--grace 24h]            a new key with the same name and scopes; the old one valid for the grace period
  kpi keys revoke ID                          revoke a key
  kpi keys list                               list keys (never the keys themselves)
  kpi models list [--kind K] [--scope S]      list model versions
  kpi models promote ID [--reason TEXT]       make a version active; a sentiment switch rescores the reviews
  kpi models rollback KIND SCOPE [--reason T] re-activate the previous version (same rescore)
  kpi backup [--out FILE]                     PGlite, service stopped: a copy of the database (gzipped tar;
                                              while it runs: POST /v1/admin/backup). PostgreSQL: use pg_dump
  kpi restore FILE                            PGlite, service stopped: replace the database by a backup (the
                                              current one is kept beside it); prints the restored row counts
  kpi migrate                                 apply database migrations and exit`;

/** For commands that submit no job: the inline runner would resume unfinished jobs in this process. */
const noQueue: JobQueue = {
  kind: 'inline',
  submit: () => Promise.reject(new Error('this command submits no jobs')),
  get: async () => null,
  cancel: async () => false,
  health: async () => ({ kind: 'inline', ok: false, detail: 'no queue in this command' }),
  close: async () => {},
};

/**
 * The services over this process's database (and its job queue with `jobs`); closed (queue, then
 * database) after `fn`.
 */
async function withServices<T>(config: Config, jobs: boolean, fn: (s: Services) => Promise<T>): Promise<T> {
  const db = await openDb(config);
  const queue = jobs ? createQueue({ db, config }) : noQueue;
  const services = createServices({ config, db, queue });
  try {
    return await fn(services);
  } finally {
    await services.close();
    await queue.close();
    await db.close();
  }
}

const FINAL = new Set(['completed', 'failed', 'cancelled']);

/**
 * Without Redis the job runs in this process (the inline runner): wait for it and for the jobs it
 * fans out into, printing progress, so the command ends when the work is done. With Redis a worker runs it.
 */
async function awaitInline(services: Services, id: string): Promise<JobStatus | null> {
  if (services.queue.kind !== 'inline') return null;
  let last = '';
  for (;;) {
    const job = await services.jobs.view(id, ['admin']);
    const line = `${job.id}: ${job.state} ${job.progress.percent}% ${job.progress.stage}`;
    if (line !== last) console.error((last = line));
    const pending = job.children ? job.children.total - (job.children.completed ?? 0) - (job.children.failed ?? 0) : 0;
    if (FINAL.has(job.state) && pending <= 0) return job;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case 'serve': {
      const { startServer } = await import('./server.js');
      await startServer(config);
      return -1; // keep running
    }
    case 'worker': {
      const { values } = parseArgs({
        args: rest,
        options: {
          concurrency: { type: 'string' },
          'lock-ms': { type: 'string' },
          'grace-ms': { type: 'string' },
          queue: { type: 'string' },
        },
      });
      const { parseWorkerFlags, startWorker } = await import('./worker.js');
      await startWorker(config, parseWorkerFlags(values));
      return -1; // keep running
    }
    case 'backup': {
      const { values } = parseArgs({ args: rest, options: { out: { type: 'string' } } });
      if (config.databaseUrl) {
        console.error(PG_DUMP_HINT);
        return 2;
      }
      return withServices(config, false, async ({ backups }) => {
        const b = await backups.create(null);
        const out = values.out ?? b.filename;
        writeFileSync(out, b.archive);
        console.log(`${out}\t${b.bytes} bytes\tsha256 ${b.sha256}`);
        for (const [table, n] of Object.entries(b.counts)) console.log(`${table}\t${n}`);
        return 0;
      });
    }
    case 'restore': {
      const [file] = rest;
      if (config.databaseUrl) {
        console.error(PG_DUMP_HINT);
        return 2;
      }
      if (!file) {
        console.error(USAGE);
        return 2;
      }
      const kept = await restorePglite(config.dataDir, readFileSync(file));
      if (kept) console.log(`the database before the restore is kept in ${kept}`);
      const db = await openDb(config);
      try {
        for (const [table, n] of Object.entries(await tableCounts(db))) console.log(`${table}\t${n}`);
      } finally {
        await db.close();
      }
      return 0;
    }
    case 'migrate': {
      const db = await openDb(config);
      await db.close();
      console.log('migrations applied');
      return 0;
    }
    case 'models': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { kind: { type: 'string' }, scope: { type: 'string' }, reason: { type: 'string' } },
      });
      const [sub, a, b] = positionals;
      if (!(sub === 'list' || (sub === 'promote' && a) || (sub === 'rollback' && a && b))) {
        console.error(USAGE);
        return 2;
      }
      return withServices(config, sub !== 'list', async (services) => {
        if (sub === 'list') {
          for (const v of await services.models.list({ kind: values.kind, scope: values.scope }))
            console.log(`${v.id}\t${v.kind}\t${v.scope}\t${v.status}`);
          return 0;
        }
        const reason = values.reason ?? null;
        const v =
          sub === 'promote'
            ? await services.models.promote(a!, 'cli', reason)
            : await services.models.rollback(a!, b!, 'cli', reason);
        console.log(`${v.id} is active (${v.kind}/${v.scope})`);
        if (v.rescore_error) console.error(`rescore not queued: ${v.rescore_error}`);
        if (v.rescore_job) {
          console.log(`rescore job: ${v.rescore_job}`);
          const done = await awaitInline(services, v.rescore_job);
          if (done && done.state !== 'completed') return 1;
        }
        return 0;
      });
    }
    case 'keys': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          name: { type: 'string' },
          scopes: { type: 'string' },
          expires: { type: 'string' },
          grace: { type: 'string' },
          agent: { type: 'string' },
        },
      });
      // the arguments are checked before the data directory is opened: a usage error needs no database
      // (and is not hidden behind "in use by process" while the service runs)
      const [sub, id] = positionals;
      if (sub === 'create') {
        const scopes = (values.scopes ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
        const name = values.name;
        if (!name || scopes.length === 0 || bad.length > 0) {
          console.error(bad.length > 0 ? `unknown scope(s): ${bad.join(', ')}; known: ${SCOPES.join(', ')}` : USAGE);
          return 2;
        }
        const expires = values.expires === undefined ? undefined : new Date(values.expires);
        if (expires && Number.isNaN(expires.getTime())) {
          console.error(`--expires: expected a date, got ${values.expires}`);
          return 2;
        }
        return withServices(config, false, async ({ keys }) => {
          const created = await keys.create(name, scopes as Scope[], { expiresAt: expires, agentId: values.agent });
          console.log(
            `id:      ${created.id}\nscopes:  ${created.scopes.join(', ')}${created.agent_id ? `\nagent:   ${created.agent_id}` : ''}\nexpires: ${created.expires_at?.toISOString() ?? 'never'}\nkey:     ${created.key}\n(the key is shown only now; store it safely)`,
          );
          return 0;
        });
      }
      if (sub === 'rotate' && id) {
        const grace = values.grace === undefined ? undefined : /^(\d+)\s*(s|m|h|d)?$/.exec(values.grace);
        if (grace === null) {
          console.error(`--grace: expected a duration such as 24h, 30m or 0s, got ${values.grace}`);
          return 2;
        }
        const mult = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(grace?.[2] ?? 's') as 's'];
        return withServices(config, false, async ({ keys }) => {
          const r = await keys.rotate(id, { graceMs: grace ? Number(grace[1]) * mult : undefined });
          console.log(
            `id:      ${r.id} (replaces ${r.rotated_from}, valid until ${r.old_expires_at.toISOString()})\nscopes:  ${r.scopes.join(', ')}\nkey:     ${r.key}\n(the key is shown only now; store it safely)`,
          );
          return 0;
        });
      }
      if (sub === 'revoke' && id)
        return withServices(config, false, async ({ keys }) => {
          await keys.revoke(id);
          console.log(`revoked ${id}`);
          return 0;
        });
      if (sub === 'list')
        return withServices(config, false, async ({ keys }) => {
          for (const k of await keys.list())
            console.log(
              `${k.id}\t${k.name}\t${k.scopes.join(',')}\t${k.revoked_at ? `revoked ${k.revoked_at.toISOString()}` : k.expires_at ? `expires ${k.expires_at.toISOString()}` : 'active'}`,
            );
          return 0;
        });
      console.error(USAGE);
      return 2;
    }
    default:
      console.error(USAGE);
      return command ? 2 : 0;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    console.error(err instanceof ConfigError ? err.message : `error: ${(err as Error).message}`);
    process.exit(1);
  },
);
