#!/usr/bin/env node
/**
 * `kpi` command: serve | worker | keys (create, revoke, list) | migrate.
 * `npm start` = `kpi serve`; `npm run kpi -- keys create --name ci --scopes scorer`.
 */
import { parseArgs } from 'node:util';
import { createKeyRepository, SCOPES, type Scope } from './auth/keys.js';
import { ConfigError, loadConfig } from './config.js';
import { openDb } from './db/index.js';

const USAGE = `usage:
  kpi serve                                   run the HTTP service
  kpi worker [--concurrency N] [--lock-ms MS] [--grace-ms MS] [--queue NAME]
                                              run a job worker (needs REDIS_URL and DATABASE_URL)
  kpi keys create --name NAME --scopes a,b    create an API key (scopes: ${SCOPES.join(', ')}); prints it once
  kpi keys revoke ID                          revoke a key
  kpi keys list                               list keys (never the keys themselves)
  kpi migrate                                 apply database migrations and exit`;

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
      const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
      const { startWorker } = await import('./worker.js');
      await startWorker(config, {
        concurrency: num(values.concurrency),
        lockDurationMs: num(values['lock-ms']),
        graceMs: num(values['grace-ms']),
        queueName: values.queue,
      });
      return -1; // keep running
    }
    case 'migrate': {
      const db = await openDb(config);
      await db.close();
      console.log('migrations applied');
      return 0;
    }
    case 'keys': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { name: { type: 'string' }, scopes: { type: 'string' } },
      });
      const db = await openDb(config);
      try {
        const keys = createKeyRepository(db);
        const [sub, id] = positionals;
        if (sub === 'create') {
          const scopes = (values.scopes ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
          const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
          if (!values.name || scopes.length === 0 || bad.length > 0) {
            console.error(bad.length > 0 ? `unknown scope(s): ${bad.join(', ')}; known: ${SCOPES.join(', ')}` : USAGE);
            return 2;
          }
          const created = await keys.create(values.name, scopes as Scope[]);
          console.log(
            `id:     ${created.id}\nscopes: ${created.scopes.join(', ')}\nkey:    ${created.key}\n(the key is shown only now; store it safely)`,
          );
          return 0;
        }
        if (sub === 'revoke' && id) {
          await keys.revoke(id);
          console.log(`revoked ${id}`);
          return 0;
        }
        if (sub === 'list') {
          for (const k of await keys.list())
            console.log(
              `${k.id}\t${k.name}\t${k.scopes.join(',')}\t${k.revoked_at ? `revoked ${k.revoked_at.toISOString()}` : 'active'}`,
            );
          return 0;
        }
        console.error(USAGE);
        return 2;
      } finally {
        await db.close();
      }
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
