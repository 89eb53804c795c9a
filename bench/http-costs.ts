/**
 * `npm run bench:http-costs -- [--json] [--duration S] [--connections C] [--runs R]`: what every request pays, piece by piece. A Fastify
 * instance answering `GET /` with `{status: 'ok'}` is built with the service's per-request pieces
 * added one at a time (cumulative), in the order a request meets them; autocannon (in a worker
 * thread, C connections for S seconds) loads each. Printed per step: req/s, and the cost of the
 * piece added as microseconds of the request's time (1/rate − 1/previous rate), the median of R
 * runs. The pieces: request logging at info (one line per request, to /dev/null), the security
 * headers (helmet's, as one constant set: src/plugins/security-headers.ts), the Prometheus counters, the API-key lookup (a cached verified key: SHA-256
 * and an LRU hit), the rate-limit count (memory store), and the zod response serializer.
 */
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createKeyRepository } from '../src/auth/keys.js';
import type { Db } from '../src/db/types.js';
import metricsPlugin from '../src/plugins/metrics.js';
import rateLimitPlugin from '../src/plugins/rate-limit.js';
import securityHeaders from '../src/plugins/security-headers.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
  },
});

const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  connections: number;
  duration: number;
  workers?: number;
  headers?: Record<string, string>;
}) => Promise<{ requests: { average: number }; latency: { p99: number }; non2xx: number }>;

const STEPS = ['bare', 'logging', 'security headers', 'metrics', 'key lookup', 'rate limit', 'zod serializer'] as const;
type Step = (typeof STEPS)[number];
const KEY = 'kpi_bench_costs_key_0123456789abcdef';

/** A database that knows one key (the lookup is cached after the first request anyway). */
const oneKeyDb = {
  query: async () => ({ rows: [{ id: 'bench', scopes: ['admin'] }], rowCount: 1 }),
} as unknown as Db;

/** As the service logs (src/app.ts): one line per request. */
class OneLine extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(...[, request, reply]: Parameters<LogController['requestCompleted']>): void {
    reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

async function build(upTo: number): Promise<FastifyInstance> {
  const has = (s: Step) => STEPS.indexOf(s) <= upTo;
  const sink = await open('/dev/null', 'w');
  const app = Fastify({
    logger: has('logging') ? { level: 'info', stream: sink.createWriteStream() } : false,
    logController: new OneLine(),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  if (has('security headers')) await app.register(securityHeaders);
  if (has('metrics')) await app.register(metricsPlugin);
  await app.register(rateLimitPlugin, { max: 1e9, timeWindow: '1 minute' });
  const keys = createKeyRepository(oneKeyDb);
  if (has('key lookup') || has('rate limit'))
    app.addHook('onRequest', async (request, reply) => {
      const info = has('key lookup') ? await keys.verify(KEY) : null;
      if (has('rate limit')) await app.rateLimit.countRequest(request, reply, info?.id ?? null);
    });
  const body = { status: 'ok' as const };
  if (has('zod serializer'))
    app.get('/', { schema: { response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => body);
  else app.get('/', async (_req, reply) => reply.type('application/json; charset=utf-8').send('{"status":"ok"}'));
  return app;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function main(): Promise<void> {
  const rates = new Map<Step, number[]>();
  for (let run = 0; run < Number(args.runs); run++) {
    for (let i = 0; i < STEPS.length; i++) {
      const app = await build(i);
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      const r = await autocannon({
        url: `${address}/`,
        connections: Number(args.connections),
        duration: Number(args.duration),
        workers: 1,
        headers: { authorization: `Bearer ${KEY}` },
      });
      await app.close();
      rates.set(STEPS[i]!, [...(rates.get(STEPS[i]!) ?? []), r.requests.average]);
      if (!args.json) process.stderr.write(`run ${run + 1} ${STEPS[i]}: ${Math.round(r.requests.average)} req/s\n`);
    }
  }
  const rows = STEPS.map((s, i) => {
    const rate = median(rates.get(s)!);
    const prev = i === 0 ? null : median(rates.get(STEPS[i - 1]!)!);
    return {
      step: s,
      req_s: Math.round(rate),
      // one event loop serves them all: its time per request is 1/rate
      added_us: prev === null ? null : Math.round((1 / rate - 1 / prev) * 1e7) / 10,
    };
  });
  if (args.json) {
    console.log(JSON.stringify({ rows }));
    return;
  }
  console.log('| piece added (cumulative) | req/s | added per request, µs |');
  console.log('|---|---|---|');
  for (const r of rows) console.log(`| ${r.step} | ${r.req_s.toLocaleString('en')} | ${r.added_us ?? '—'} |`);
  console.log(JSON.stringify({ rows }));
}

await main();
