/** Adjusted KPI inputs for scoring systems (scope scorer). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendJsonText, peoplePage, periodParam } from './components.js';
import { route } from './define.js';
import * as ex from './kpi-examples.js';
import { annualInputs as annualInputsSchema, kpiInputs as kpiInputsSchema } from './kpi-schemas.js';

const kpiInputRoutes: FastifyPluginAsyncZod = async (app) => {
  const { targets } = app.services;
  app.get(
    '/kpi-inputs',
    route({
      operationId: 'getKpiInputs',
      tags: ['kpi-inputs'],
      summary:
        'Per person and period: actual, calibrated baseline, target, attainment, percentile, service rating, the weight profile and a reference composite',
      description:
        'period: ISO week (2026-W07), month (2026-03), quarter (2026-Q1; monthly metrics averaged over its months) or year (2026; the quarters’ composites weighted by their days). A role tracked weekly (PUT /v1/roles/{role}/cycle) gets, in a month or quarter, the weekly metrics it does not record there averaged over the weeks whose Thursday falls in it. Without a period, a role’s latest appraisal period (422 naming period without either).',
      access: ['scorer'],
      query: {
        period: periodParam({ year: true })
          .optional()
          .describe(
            "default (with a role): the role's latest period on the kind it is appraised on (its declared cycle)",
          ),
        role: z.string().optional(),
        employee_id: z.string().optional(),
        ...peoplePage,
      },
      response: {
        200: z
          .union([kpiInputsSchema, annualInputsSchema])
          .describe('a year (2026) answers the annual shape: quarters and their composites'),
      },
      errors: [404, 422],
      plain: true,
      example: { query: { period: '2026-10', role: 'cs_agent', employee_id: 'E0003' }, response: ex.kpiInputs },
    }),
    async (request, reply) => {
      const { period, role, employee_id, limit, offset } = request.query;
      const answer = await targets.kpiInputsJson(period, { role, employeeId: employee_id }, { limit, offset });
      return sendJsonText(reply, answer);
    },
  );
};

export default kpiInputRoutes;
