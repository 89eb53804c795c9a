/**
 * buildApp(deps) → a Fastify instance with every plugin and route, not listening.
 * Tests load it directly with `app.inject`; src/server.ts adds the process around it.
 * Order: external plugins, the app's own services, routes.
 */
import overrideImportRoutes from './routes/override-import.js';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import type { Db } from './db/types.js';
import type { JobQueue } from './jobs/types.js';
import authPlugin from './plugins/auth.js';
import errorsPlugin from './plugins/errors.js';
import bodyTimeouts, { httpOptions } from './plugins/http.js';
import inputPlugin from './plugins/input.js';
import { createLiveProbe } from './plugins/live-probe.js';
import { bufferedStdout, loggerOptions } from './plugins/log.js';
import { createPrivacyPolicy } from './privacy/policy.js';
import metricsPlugin from './plugins/metrics.js';
import rateLimitPlugin, { PROBES, type RateLimitStore } from './plugins/rate-limit.js';
import { redisStore } from './plugins/rate-limit-redis.js';
import securityHeaders from './plugins/security-headers.js';
import abRoutes from './routes/ab.js';
import adminRoutes from './routes/admin.js';
import auditRoutes from './routes/audit.js';
import baselineRoutes from './routes/baselines.js';
import catalogueRoutes from './routes/catalogue.js';
import correctionRoutes from './routes/corrections.js';
import cycleRoutes from './routes/cycles.js';
import feedbackRoutes from './routes/feedback.js';
import growthRoutes from './routes/growth.js';
import healthRoutes, { answerLiveFirst } from './routes/health.js';
import incentiveRoutes from './routes/incentives.js';
import historyRoutes from './routes/history.js';
import importerRoutes from './routes/importers.js';
import jobRoutes from './routes/jobs.js';
import modelRoutes from './routes/models.js';
import { openapiOptions } from './routes/openapi.js';
import kpiInputRoutes from './routes/kpi-inputs.js';
import { registerCsvParser } from './routes/ingest.js';
import periodRoutes from './routes/periods.js';
import ratingRoutes from './routes/ratings.js';
import reviewRoutes from './routes/reviews.js';
import sentimentRoutes from './routes/sentiment.js';
import { createServices, type Services } from './services/index.js';
import consolePlugin from './web/index.js';
import { countSessionsAgainstTheirKey } from './web/limits.js';

export interface AppDeps {
  config: Config;
  db: Db;
  queue: JobQueue;
  /** Fastify logger options; false for silence (tests). */
  logger?: FastifyServerOptions['logger'];
  /** Where rate-limit counts live (default: RATE_LIMIT_STORE — Redis with REDIS_URL, else this process's memory). */
  rateLimitStore?: RateLimitStore;
  /** Start-up work follows (server.ts): /ready answers 503 until `services.lifecycle.started` is set. */
  starting?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The service layer (src/services), built once here; routes call one of its functions per request. */
    services: Services;
    /** Every route registered, with its access config (the auth tests walk this list). */
    routeList: { method: string; url: string; public: boolean; scopes: readonly string[] }[];
  }
}

/**
 * The health checks that write no log line when they succeed: the probes, and `/health` (kept for the
 * monitors that ask it as often as a probe). Unlike the probes, `/health` is rate-limited (PROBES).
 */
const UNLOGGED: ReadonlySet<string> = new Set([...PROBES, '/health']);

/**
 * One log line per request, when it is answered (the request, the answer, the time), instead of Fastify's two.
 * A health check that succeeds (`/live`, `/ready`, `/health` answering below 400: kubelets, load balancers
 * and monitors ask several times a second) writes none: it is counted in `kpi_http_requests_total`; a
 * failed one is logged.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(...[error, request, reply]: Parameters<LogController['requestCompleted']>): void {
    if (!error && reply.statusCode < 400 && UNLOGGED.has(request.routeOptions.url ?? '')) return;
    if (error)
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  // GET /live answered by the HTTP server before Fastify (src/plugins/live-probe.ts), once attached below
  const live = createLiveProbe();
  const app = Fastify({
    // keys are redacted from every line (src/plugins/log.ts)
    // …and personal data masked (src/privacy; PII_RAW=logs keeps it raw)
    logger: loggerOptions(
      deps.logger ?? { level: config.logLevel, stream: bufferedStdout() },
      createPrivacyPolicy(config.privacy).masker('logs'),
    ),
    // timeouts and the HTTP layer's own error answers (src/plugins/http.ts)
    ...httpOptions(config),
    bodyLimit: config.bodyLimit,
    logController: new OneLinePerRequest(),
    // finish in-flight requests on close; idle keep-alive sockets are closed at once
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // behind a reverse proxy: the client's address and https from X-Forwarded-* (console cookies get Secure)
    trustProxy: config.trustProxy,
    serverFactory: live.serverFactory,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // the liveness probe first, before any other hook (src/routes/health.ts)
  answerLiveFirst(app);
  app.decorate('routeList', []);
  app.addHook('onRoute', (route) => {
    // read lazily: plugins registered later (the docs) may still mark the route public
    const config = () => (route.config ?? {}) as { public?: boolean; scopes?: readonly string[] };
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      app.routeList.push({
        method,
        url: route.url,
        get public() {
          return Boolean(config().public);
        },
        get scopes() {
          return config().scopes ?? [];
        },
      });
    }
  });

  registerCsvParser(app);

  // external plugins
  await app.register(errorsPlugin);
  await app.register(inputPlugin);
  await app.register(bodyTimeouts, { bodyMs: config.timeouts.bodyMs });
  // helmet's default headers, as one constant set (CSP: the console sets its own)
  await app.register(securityHeaders);
  // per verified key, else per address (src/plugins/rate-limit.ts); counted in the auth hook; one
  // budget across the fleet when the counts live in Redis (src/plugins/rate-limit-redis.ts)
  const store =
    deps.rateLimitStore ??
    (config.rateLimit.store === 'redis' && config.redisUrl
      ? redisStore({
          url: config.redisUrl,
          prefix: config.rateLimit.prefix,
          onError: (err) => app.log.warn({ err }, 'rate limit: Redis does not answer; counting in this process'),
        })
      : undefined);
  await app.register(rateLimitPlugin, {
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.timeWindow,
    ...(store ? { store } : {}),
  });
  await app.register(fastifySwagger, openapiOptions);
  await app.register(async (docs) => {
    // the documentation is public: it holds no data
    docs.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), public: true };
    });
    await docs.register(fastifySwaggerUi, { routePrefix: '/docs' });
  });

  // the app's own services
  await app.register(metricsPlugin);
  const services = createServices({
    config,
    db: deps.db,
    queue: deps.queue,
    onIngested: (kind, rows) => app.metrics.ingestedRows.inc({ kind }, rows),
    onBackgroundError: (err, what) => app.log.error({ err }, what),
    ...(deps.starting ? { starting: true } : {}),
  });
  app.decorate('services', services);
  app.addHook('preClose', async () => {
    services.lifecycle.closing = true;
  });
  // draining (src/server.ts drainAndClose): every answer asks its client to reconnect, to another process
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (services.lifecycle.closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onClose', async () => services.close());
  live.attach({
    closing: () => services.lifecycle.closing,
    counter: (method) => app.metrics.requestCounter(method, '/live', 200),
  });
  await app.register(authPlugin, { keys: services.keys });

  // routes
  await app.register(healthRoutes);
  await app.register(adminRoutes, { prefix: '/v1/admin' });
  await app.register(catalogueRoutes, { prefix: '/v1' });
  await app.register(historyRoutes, { prefix: '/v1' });
  await app.register(importerRoutes, { prefix: '/v1' });
  await app.register(reviewRoutes, { prefix: '/v1' });
  await app.register(correctionRoutes, { prefix: '/v1' });
  await app.register(ratingRoutes, { prefix: '/v1' });
  await app.register(sentimentRoutes, { prefix: '/v1' });
  await app.register(jobRoutes, { prefix: '/v1' });
  await app.register(auditRoutes, { prefix: '/v1' });
  await app.register(modelRoutes, { prefix: '/v1' });
  await app.register(baselineRoutes, { prefix: '/v1' });
  await app.register(overrideImportRoutes, { prefix: '/v1' });
  await app.register(kpiInputRoutes, { prefix: '/v1' });
  await app.register(feedbackRoutes, { prefix: '/v1' });
  await app.register(incentiveRoutes, { prefix: '/v1' });
  await app.register(growthRoutes, { prefix: '/v1' });
  await app.register(cycleRoutes, { prefix: '/v1' });
  await app.register(periodRoutes, { prefix: '/v1' });
  await app.register(abRoutes, { prefix: '/v1' });
  // the web console (server-rendered pages on the same services; src/web), under the same rate limits:
  // a session counts against its key (src/web/limits.ts), sign-in failures per address
  countSessionsAgainstTheirKey(app);
  await app.register(consolePlugin, { signInLimiter: app.rateLimit.signIn });
  return app;
}
