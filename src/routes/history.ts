/** Employees and KPI history: bulk upsert (JSON or CSV) and reads. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import * as f from '../ingest/fields.js';
import { rowSchemas } from '../services/ingestion.js';
import { page } from './components.js';
import { route, rowsBody } from './define.js';
import { CSV_TYPES, ingestResponses, requestSource } from './ingest.js';

const WRITE = ['hr'] as const;
const READ = ['hr', 'cs_lead', 'scorer'] as const;
const employee = z.object({
  id: z.string(),
  role: z.string(),
  team: z.string().nullable(),
  hire_date: z.string().nullable().meta({ format: 'date' }),
});
const employeeRows = rowsBody(rowSchemas.employees.meta({ id: 'EmployeeRow' }));
const historyRows = rowsBody(rowSchemas.history.meta({ id: 'HistoryRow' }));
const newcomer = { id: 'E0101', role: 'cs_agent', team: '客服-售前-1', hire_date: '2026-01-05' };

const historyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { ingestion } = app.services;

  app.post(
    '/employees',
    route({
      operationId: 'upsertEmployees',
      tags: ['history'],
      summary: 'Upsert employees (JSON rows or CSV with header id,role,team,hire_date); all-or-nothing, idempotent',
      access: WRITE,
      upload: {
        json: employeeRows,
        text: { types: CSV_TYPES, description: 'CSV with the header id,role,team,hire_date (UTF-8, or charset=gbk)' },
      },
      response: ingestResponses(),
      errors: [422],
      example: {
        body: [newcomer],
        text: 'id,role,team,hire_date\nE0101,cs_agent,客服-售前-1,2026-01-05\n',
        response: { received: 1, inserted: 1, updated: 0, unchanged: 0 },
      },
    }),
    async (request) => ingestion.employees(requestSource(request)),
  );
  app.get(
    '/employees',
    route({
      operationId: 'listEmployees',
      tags: ['history'],
      summary: 'List employees',
      access: READ,
      query: { role: z.string().optional(), team: z.string().optional(), ...page({ max: 10_000, default: 1000 }) },
      response: { 200: z.array(employee) },
      example: { query: { role: 'cs_agent', limit: 100 }, response: [newcomer] },
    }),
    async (request) => ingestion.listEmployees(request.query),
  );
  app.get(
    '/employees/:id',
    route({
      operationId: 'getEmployee',
      tags: ['history'],
      summary: 'One employee',
      access: READ,
      params: { id: z.string() },
      response: { 200: employee },
      errors: [404],
      example: { params: { id: 'E0101' }, response: newcomer },
    }),
    async (request) => ingestion.employee(request.params.id),
  );

  app.post(
    '/history',
    route({
      operationId: 'upsertHistory',
      tags: ['history'],
      summary:
        'Upsert KPI history (JSON rows or CSV with header employee_id,metric_id,period,value); all-or-nothing, idempotent',
      description:
        'Periods: ISO week 2026-W07, month 2026-03 or quarter 2026-Q1. Ratio metrics take 0–1. Any invalid row → 422 listing every bad row; nothing is written.',
      access: WRITE,
      upload: {
        json: historyRows,
        text: {
          types: CSV_TYPES,
          description: 'CSV with the header employee_id,metric_id,period,value (UTF-8, or charset=gbk)',
        },
      },
      response: ingestResponses(),
      errors: [422],
      example: {
        body: [{ employee_id: 'E0101', metric_id: 'csat', period: '2026-10', value: 0.93 }],
        text: 'employee_id,metric_id,period,value\nE0101,csat,2026-10,0.93\n',
        response: { received: 1, inserted: 1, updated: 0, unchanged: 0 },
      },
    }),
    async (request) => ingestion.history(requestSource(request)),
  );
  app.get(
    '/history',
    route({
      operationId: 'listHistory',
      tags: ['history'],
      summary: 'Read KPI history',
      access: ['hr', 'scorer'],
      query: {
        employee_id: z.string().optional(),
        metric_id: z.string().optional(),
        kind: z.enum(['week', 'month', 'quarter']).optional(),
        from: f.date.optional().describe('period start on or after (YYYY-MM-DD)'),
        to: f.date.optional().describe('period start on or before (YYYY-MM-DD)'),
        ...page({ max: 10_000, default: 1000 }),
      },
      response: {
        200: z.array(
          z.object({
            employee_id: z.string(),
            metric_id: z.string(),
            period: z.string(),
            period_kind: z.string(),
            period_start: z.string().meta({ format: 'date' }),
            value: z.number(),
            source: z.string(),
            covered_days: z
              .number()
              .int()
              .nullable()
              .describe('days the value was rolled up from (imports); null for a value uploaded as a period'),
            total_days: z.number().int().nullable().describe('days of the period (imports); null as covered_days'),
            complete: z
              .boolean()
              .describe('false for a period an import stored from fewer days than it has (partial=include)'),
          }),
        ),
      },
      example: {
        query: { employee_id: 'E0101', metric_id: 'csat', kind: 'month', from: '2026-01-01' },
        response: [
          {
            employee_id: 'E0101',
            metric_id: 'csat',
            period: '2026-10',
            period_kind: 'month',
            period_start: '2026-10-01',
            value: 0.93,
            source: 'api',
            covered_days: null,
            total_days: null,
            complete: true,
          },
        ],
      },
    }),
    async (request) => ingestion.listHistory(request.query),
  );
};

export default historyRoutes;
