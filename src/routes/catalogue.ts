/** Roles, the metric catalogue and the business calendar. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { INDICATOR_GROUPS } from '../history/catalogue.js';
import * as f from '../ingest/fields.js';
import { route } from './define.js';

const READ = ['hr', 'cs_lead', 'scorer'] as const;
const ADMIN = ['admin'] as const;
const HR = ['hr'] as const;
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
  starts_on: z.string().meta({ format: 'date' }),
  ends_on: z.string().meta({ format: 'date' }),
  profile: z.enum(['promotion', 'ordinary']),
});

const csRole = { id: 'cs_agent', name: 'Customer-service agent', cycle: 'month' } as const;
const csat = {
  id: 'csat',
  name: 'CSAT',
  unit: 'ratio',
  direction: 'higher',
  indicator_group: 'customer_experience',
  description: 'Share of satisfied ratings (0–1)',
  min_value: 0,
  max_value: 1,
} as const;
const double11 = {
  id: 'double-11-2026',
  name: '双11',
  kind: 'promotion',
  starts_on: '2026-11-01',
  ends_on: '2026-11-11',
  profile: 'promotion',
} as const;

const catalogueRoutes: FastifyPluginAsyncZod = async (app) => {
  const { catalogue } = app.services;

  app.get(
    '/roles',
    route({
      operationId: 'listRoles',
      tags: ['catalogue'],
      summary: 'Roles',
      access: READ,
      response: { 200: z.array(role) },
      example: { response: [csRole] },
    }),
    async () => catalogue.roles(),
  );
  app.put(
    '/roles/:id',
    route({
      operationId: 'saveRole',
      tags: ['catalogue'],
      summary: 'Create or edit a role',
      access: ADMIN,
      params: { id: slug },
      body: role.omit({ id: true }),
      response: { 200: role },
      example: {
        params: { id: 'cs_agent' },
        body: { name: csRole.name, cycle: csRole.cycle },
        response: csRole,
      },
    }),
    async (request) => catalogue.saveRole({ id: request.params.id, ...request.body }),
  );

  app.get(
    '/metrics',
    route({
      operationId: 'listMetrics',
      tags: ['catalogue'],
      summary: 'Metric catalogue (unit, direction, indicator group)',
      access: READ,
      response: { 200: z.array(metric) },
      example: { response: [csat] },
    }),
    async () => catalogue.metrics(),
  );
  app.put(
    '/metrics/:id',
    route({
      operationId: 'saveMetric',
      tags: ['catalogue'],
      summary: 'Create or edit a metric',
      access: ADMIN,
      params: { id: slug },
      body: metric.omit({ id: true }).extend({
        description: z.string().default(''),
        min_value: z.number().nullable().default(null),
        max_value: z.number().nullable().default(null),
      }),
      response: { 200: metric },
      example: {
        params: { id: 'csat' },
        body: {
          name: csat.name,
          unit: csat.unit,
          direction: csat.direction,
          indicator_group: csat.indicator_group,
          description: csat.description,
          min_value: 0,
          max_value: 1,
        },
        response: csat,
      },
    }),
    async (request) =>
      catalogue.saveMetric({ id: request.params.id, ...request.body } as Parameters<typeof catalogue.saveMetric>[0]),
  );

  app.get(
    '/calendar',
    route({
      operationId: 'listCalendarEvents',
      tags: ['calendar'],
      summary: 'Business calendar events overlapping a date range',
      access: READ,
      query: {
        from: f.date.optional().describe('first day (YYYY-MM-DD)'),
        to: f.date.optional().describe('last day (YYYY-MM-DD)'),
      },
      response: { 200: z.array(event) },
      example: { query: { from: '2026-11-01', to: '2026-11-30' }, response: [double11] },
    }),
    async (request) => catalogue.events(request.query),
  );
  app.put(
    '/calendar/:id',
    route({
      operationId: 'saveCalendarEvent',
      tags: ['calendar'],
      summary: 'Create or edit a promotion window or holiday',
      access: HR,
      params: { id: slug },
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
      example: {
        params: { id: double11.id },
        body: { name: double11.name, kind: 'promotion', starts_on: '2026-11-01', ends_on: '2026-11-11' },
        response: double11,
      },
    }),
    async (request) => catalogue.saveEvent({ id: request.params.id, ...request.body }),
  );
  app.delete(
    '/calendar/:id',
    route({
      operationId: 'deleteCalendarEvent',
      tags: ['calendar'],
      summary: 'Delete a calendar event',
      access: HR,
      params: { id: z.string() },
      response: { 204: z.null().describe('deleted') },
      errors: [404],
      example: { params: { id: double11.id } },
    }),
    async (request, reply) => {
      await catalogue.deleteEvent(request.params.id);
      return reply.status(204).send(null);
    },
  );
};

export default catalogueRoutes;
