/** Employees and KPI history: bulk upsert (JSON or CSV) and reads. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import * as f from '../ingest/fields.js';
import { ingestDocs, requestSource } from './ingest.js';

const WRITE = { scopes: ['hr'] as const };
const READ = { scopes: ['hr', 'cs_lead', 'scorer'] as const };
const page = {
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  offset: z.coerce.number().int().min(0).default(0),
};
const employee = z.object({
  id: z.string(),
  role: z.string(),
  team: z.string().nullable(),
  hire_date: z.string().nullable(),
});

const historyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { ingestion } = app.services;

  app.post(
    '/employees',
    {
      config: WRITE,
      schema: {
        tags: ['history'],
        summary: 'Upsert employees (JSON rows or CSV with header id,role,team,hire_date); all-or-nothing, idempotent',
        ...ingestDocs,
      },
    },
    async (request) => ingestion.employees(requestSource(request)),
  );
  app.get(
    '/employees',
    {
      config: READ,
      schema: {
        tags: ['history'],
        summary: 'List employees',
        querystring: z.object({ role: z.string().optional(), team: z.string().optional(), ...page }),
        response: { 200: z.array(employee) },
      },
    },
    async (request) => ingestion.listEmployees(request.query),
  );
  app.get(
    '/employees/:id',
    {
      config: READ,
      schema: {
        tags: ['history'],
        summary: 'One employee',
        params: z.object({ id: z.string() }),
        response: { 200: employee },
      },
    },
    async (request) => ingestion.employee(request.params.id),
  );

  app.post(
    '/history',
    {
      config: WRITE,
      schema: {
        tags: ['history'],
        summary:
          'Upsert KPI history (JSON rows or CSV with header employee_id,metric_id,period,value); all-or-nothing, idempotent',
        description:
          'Periods: ISO week 2026-W07, month 2026-03 or quarter 2026-Q1. Ratio metrics take 0–1. Any invalid row → 422 listing every bad row; nothing is written.',
        ...ingestDocs,
      },
    },
    async (request) => ingestion.history(requestSource(request)),
  );
  app.get(
    '/history',
    {
      config: { scopes: ['hr', 'scorer'] },
      schema: {
        tags: ['history'],
        summary: 'Read KPI history',
        querystring: z.object({
          employee_id: z.string().optional(),
          metric_id: z.string().optional(),
          kind: z.enum(['week', 'month', 'quarter']).optional(),
          from: f.date.optional().describe('period start on or after (YYYY-MM-DD)'),
          to: f.date.optional().describe('period start on or before (YYYY-MM-DD)'),
          ...page,
        }),
        response: {
          200: z.array(
            z.object({
              employee_id: z.string(),
              metric_id: z.string(),
              period: z.string(),
              period_kind: z.string(),
              period_start: z.string(),
              value: z.number(),
              source: z.string(),
            }),
          ),
        },
      },
    },
    async (request) => ingestion.listHistory(request.query),
  );
};

export default historyRoutes;
