/**
 * The declared cycle of each role (HR edits it; everyone reads it): tracked on weeks, months or
 * quarters, appraised on months or quarters, the year as the weighted mean of its quarters.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { route } from './define.js';

const cycle = z.object({
  role: z.string(),
  tracked: z.enum(['week', 'month', 'quarter']).describe('the period kind targets and ratings follow'),
  appraised: z.enum(['month', 'quarter']).describe('the period kind KPI inputs and payouts are read on'),
  year: z.string().describe('how the year is formed'),
  declared: z.boolean().describe("false while the role keeps the catalogue's cycle"),
  actor: z.string().nullable().describe('the API key id that declared it'),
  updated_at: z.date().nullable(),
});

const example = {
  role: 'sales_ops',
  tracked: 'week',
  appraised: 'month',
  year: 'the weighted mean of its quarters (by days)',
  declared: true,
  actor: 'k_3f9a2c',
  updated_at: '2026-11-02T08:00:00.000Z',
};

const cycleRoutes: FastifyPluginAsyncZod = async (app) => {
  const { appraisal } = app.services;
  const params = { role: z.string().max(128) };

  app.get(
    '/roles/:role/cycle',
    route({
      operationId: 'getRoleCycle',
      tags: ['catalogue'],
      summary: "A role's declared cycle: tracked, appraised, and the year from its quarters",
      access: ['hr', 'cs_lead', 'scorer'],
      params,
      response: { 200: cycle },
      example: { params: { role: 'sales_ops' }, response: example },
    }),
    async (request) => appraisal.cycle(request.params.role),
  );

  app.put(
    '/roles/:role/cycle',
    route({
      operationId: 'setRoleCycle',
      tags: ['catalogue'],
      summary: "Declare a role's cycle (e.g. sales tracked weekly and appraised monthly)",
      description:
        'appraised must not be finer than tracked (a role tracked by quarter cannot be appraised by month: 422 naming `appraised`). The role’s catalogue cycle follows `tracked`.',
      access: ['hr'],
      params,
      body: z
        .object({ tracked: z.enum(['week', 'month', 'quarter']), appraised: z.enum(['month', 'quarter']) })
        .strict(),
      response: { 200: cycle },
      errors: [422],
      example: { params: { role: 'sales_ops' }, body: { tracked: 'week', appraised: 'month' }, response: example },
    }),
    async (request) => appraisal.setCycle(request.params.role, request.body, request.apiKey?.id ?? null),
  );
};

export default cycleRoutes;
