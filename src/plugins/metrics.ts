/** Prometheus metrics: request counts and latencies per route, plus process defaults. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: {
      registry: Registry;
      ingestedRows: Counter<'kind'>;
      /** The `kpi_http_requests_total` series of one method, route and status (for answers Fastify does not see). */
      requestCounter(method: string, route: string, status: number): { inc(): void };
    };
  }
}

export default fp(
  async function metrics(app: FastifyInstance) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'kpi_' });
    const requests = new Counter({
      name: 'kpi_http_requests_total',
      help: 'HTTP requests',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
    const latency = new Histogram({
      name: 'kpi_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    });
    const ingestedRows = new Counter({
      name: 'kpi_ingested_rows_total',
      help: 'Rows accepted by ingestion endpoints',
      labelNames: ['kind'],
      registers: [registry],
    });
    // the labelled series of each method, route and status, looked up once (prom-client hashes the
    // labels on every call otherwise); the routes and statuses are finite, so the maps are bounded
    const counted = new Map<string, { inc(): void }>();
    const timed = new Map<string, { observe(v: number): void }>();
    const requestCounter = (method: string, route: string, status: number) => {
      const key = `${method} ${route} ${status}`;
      let count = counted.get(key);
      if (!count) counted.set(key, (count = requests.labels({ method, route, status: String(status) })));
      return count;
    };
    app.decorate('metrics', { registry, ingestedRows, requestCounter });
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const method = request.method;
      const series = `${method} ${route}`;
      requestCounter(method, route, reply.statusCode).inc();
      let time = timed.get(series);
      if (!time) timed.set(series, (time = latency.labels({ method, route })));
      time.observe(reply.elapsedTime / 1000);
      done();
    });
  },
  { name: 'metrics' },
);
