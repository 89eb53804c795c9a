/** Roles, the metric catalogue and the business calendar. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { INDICATOR_GROUPS } from '../history/catalogue.js';
import * as f from '../ingest/fields.js';

const READ = { scopes: ['hr', 'cs_lead', 'scorer'] as const };
const ADMIN = { scopes: ['admin'] as const };
const HR = { scopes: ['hr'] as const };
const slug = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'expected a lower-case id (a–z, 0–9, _ . -)');

const role = z.object({ id: z.string(), name: z.string(), cycle: z.enum(['week', 'month', 'quarter']) });
const metric = z.object({
  id: z.string(),
  name: z.string(),
  unit: z.string(),
  direction: z.enum(['higher', 'lower']),
  indicator_group: z.enum(INDICATOR_GROUPS as [string, ...string[]]),
  description: z.string(),
  min_value: z.number().nullable(),
  max_value: z.number().nullable(),
});
const event = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['promotion', 'holiday', 'other']),
  starts_on: z.string(),
  ends_on: z.string(),
  profile: z.enum(['promotion', 'ordinary']),
});

const catalogueRoutes: FastifyPluginAsyncZod = async (app) => {
  const { catalogue } = app.services;

  app.get(
    '/roles',
    { config: READ, schema: { tags: ['catalogue'], summary: 'Roles', response: { 200: z.array(role) } } },
    async () => catalogue.roles(),
  );
  app.put(
    '/roles/:id',
    {
      config: ADMIN,
      schema: {
        tags: ['catalogue'],
        summary: 'Create or edit a role',
        params: z.object({ id: slug }),
        body: role.omit({ id: true }),
        response: { 200: role },
      },
    },
    async (request) => catalogue.saveRole({ id: request.params.id, ...request.body }),
  );

  app.get(
    '/metrics',
    {
      config: READ,
      schema: {
        tags: ['catalogue'],
        summary: 'Metric catalogue (unit, direction, indicator group)',
        response: { 200: z.array(metric) },
      },
    },
    async () => catalogue.metrics(),
  );
  app.put(
    '/metrics/:id',
    {
      config: ADMIN,
      schema: {
        tags: ['catalogue'],
        summary: 'Create or edit a metric',
        params: z.object({ id: slug }),
        body: metric.omit({ id: true }).extend({
          description: z.string().default(''),
          min_value: z.number().nullable().default(null),
          max_value: z.number().nullable().default(null),
        }),
        response: { 200: metric },
      },
    },
    async (request) =>
      catalogue.saveMetric({ id: request.params.id, ...request.body } as Parameters<typeof catalogue.saveMetric>[0]),
  );

  app.get(
    '/calendar',
    {
      config: READ,
      schema: {
        tags: ['calendar'],
        summary: 'Business calendar events overlapping a date range',
        querystring: z.object({ from: f.date.optional(), to: f.date.optional() }),
        response: { 200: z.array(event) },
      },
    },
    async (request) => catalogue.events(request.query),
  );
  app.put(
    '/calendar/:id',
    {
      config: HR,
      schema: {
        tags: ['calendar'],
        summary: 'Create or edit a promotion window or holiday',
        params: z.object({ id: slug }),
        body: z
          .object({
            name: z.string().trim().min(1).max(100),
            kind: event.shape.kind,
            starts_on: f.date,
            ends_on: f.date,
            profile: event.shape.profile.default('promotion'),
          })
          .refine((e) => e.ends_on >= e.starts_on, { path: ['ends_on'], message: 'is before starts_on' }),
        response: { 200: event },
      },
    },
    async (request) => catalogue.saveEvent({ id: request.params.id, ...request.body }),
  );
  app.delete(
    '/calendar/:id',
    {
      config: HR,
      schema: {
        tags: ['calendar'],
        summary: 'Delete a calendar event',
        params: z.object({ id: z.string() }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await catalogue.deleteEvent(request.params.id);
      return reply.status(204).send(null);
    },
  );
};

export default catalogueRoutes;
