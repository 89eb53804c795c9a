/**
 * The audit log: every audited change (target overrides, and the admin actions, corrections, growth
 * points and period closes that write to the same store), newest first, filtered, paged by an id
 * cursor, and exported as CSV (UTF-8 with BOM) or XLSX.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { XLSX_TYPE } from '../lib/spreadsheet.js';
import { optionalQueryInt, queryInt } from './components.js';
import { route } from './define.js';

const ACCESS = ['hr', 'cs_lead'] as const;
const text = (description: string) => z.string().min(1).max(256).optional().describe(description);
const instant = (description: string) => z.iso.datetime({ offset: true }).optional().describe(description);

const filter = {
  action: text(
    'an action (`target_override.set`), or every action of a subject with a trailing dot (`target_override.`)',
  ),
  actor: text('the API key id that made the change'),
  subject_type: text('e.g. target_override, api_key, model, correction, period_close'),
  subject_id: text('one subject'),
  role: text('role id'),
  metric: text('metric id'),
  period: text('period, as the change recorded it'),
  employee_id: text('person'),
  since: instant('changes at or after this time (ISO 8601 with offset)'),
  until: instant('changes before this time'),
};

const entry = z
  .object({
    id: z.number().int(),
    at: z.union([z.date(), z.iso.datetime()]),
    actor: z.string().nullable().describe('API key id; null for the service itself'),
    action: z.string(),
    subject_type: z.string(),
    subject_id: z.string(),
    role_id: z.string().nullable(),
    metric_id: z.string().nullable(),
    period: z.string().nullable(),
    employee_id: z.string().nullable(),
    before: z.unknown().describe('the object before the change; null where it did not exist'),
    after: z.unknown().describe('the object after the change; null where it no longer exists'),
    reason: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry', description: 'One audited change (append-only).' });

const exampleEntry = {
  id: 42,
  at: '2026-11-02T08:00:00.000Z',
  actor: 'k_3f9a2c',
  action: 'target_override.set',
  subject_type: 'target_override',
  subject_id: 'cs_agent/csat/2026-Q4/E0007',
  role_id: 'cs_agent',
  metric_id: 'csat',
  period: '2026-Q4',
  employee_id: 'E0007',
  before: null,
  after: { value: 4.6 },
  reason: 'new to the team',
  detail: { suggested: 4.72, model_version: 'baselines-3' },
};

const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  const { audit } = app.services;
  const query = (q: z.infer<z.ZodObject<typeof filter>> & { before?: number | undefined; limit: number }) => ({
    ...q,
    since: q.since ? new Date(q.since) : undefined,
    until: q.until ? new Date(q.until) : undefined,
    before_id: q.before,
  });

  app.get(
    '/audit',
    route({
      operationId: 'listAudit',
      tags: ['audit'],
      summary: 'The audit log, newest first: who changed what, when, before, after and why',
      access: ACCESS,
      query: {
        ...filter,
        limit: queryInt({ min: 1, max: 1000, default: 100, description: 'entries per page' }),
        before: optionalQueryInt({
          min: 1,
          description: 'only entries older than this id (`next_before` of the previous page)',
        }),
      },
      response: {
        200: z.object({
          entries: z.array(entry),
          next_before: z.number().int().nullable().describe('the `before` of the next page; null on the last'),
        }),
      },
      example: {
        query: { action: 'target_override.', limit: 50 },
        response: { entries: [exampleEntry], next_before: null },
      },
    }),
    async (request) => audit.list(query(request.query)),
  );

  app.get(
    '/audit/export',
    route({
      operationId: 'exportAudit',
      tags: ['audit'],
      summary: 'The audit log with the same filters as a file: CSV (UTF-8 with BOM) or XLSX, newest first',
      description:
        '`before` and `after` and `detail` are JSON text in their cells; cells a spreadsheet would run as a formula are prefixed with an apostrophe.',
      access: ACCESS,
      query: {
        ...filter,
        format: z.enum(['csv', 'xlsx']).default('csv'),
        limit: queryInt({ min: 1, max: 100_000, default: 100_000, description: 'at most this many entries' }),
      },
      response: {
        200: {
          description: 'the audit file',
          content: {
            'text/csv': { schema: z.string() },
            [XLSX_TYPE]: { schema: z.string().meta({ format: 'binary' }) },
          },
        },
      },
      example: {
        query: { action: 'no_such_action', format: 'csv' },
        response:
          '\uFEFFid,at,actor,action,subject_type,subject_id,role_id,metric_id,period,employee_id,before,after,reason,detail\r\n',
      },
    }),
    async (request, reply) => {
      const { format, ...q } = request.query;
      const file = await audit.export(query(q), format);
      return reply
        .type(file.contentType)
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .send(file.body as string);
    },
  );
};

export default auditRoutes;
