import fastifyHelmet from '@fastify/helmet';
import Fastify from 'fastify';
import { expect, it } from 'vitest';
import securityHeaders, { SECURITY_HEADERS } from '../../src/plugins/security-headers.js';

/** The headers a plugin adds to an answer that sets none of its own. */
async function headersOf(register: (app: ReturnType<typeof Fastify>) => Promise<unknown>) {
  const app = Fastify();
  await register(app);
  app.get('/', async (_request, reply) => reply.type('text/plain').send('x'));
  const r = await app.inject('/');
  await app.close();
  const { 'content-type': _t, 'content-length': _l, date: _d, connection: _c, ...rest } = r.headers;
  return rest;
}

it("the constant security headers are exactly helmet's defaults without the CSP", async () => {
  const helmet = await headersOf((app) => app.register(fastifyHelmet, { contentSecurityPolicy: false }));
  const ours = await headersOf((app) => app.register(securityHeaders));
  expect(ours).toEqual(helmet);
  expect(Object.keys(SECURITY_HEADERS).length).toBeGreaterThanOrEqual(10);
});

it('every answer carries them, 404s included', async () => {
  const app = Fastify();
  await app.register(securityHeaders);
  const r = await app.inject('/nowhere');
  await app.close();
  expect(r.statusCode).toBe(404);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(r.headers[name]).toBe(value);
});
