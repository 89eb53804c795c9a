/**
 * Closed appraisal periods (issue 25): close and reopen a role's period, its snapshot versions, the
 * differences since close; and the override requests waiting for a second HR key.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { XLSX_TYPE } from '../lib/spreadsheet.js';
import { SNAPSHOT_PARTS } from '../periods/parts.js';
import { JSON_TYPE, optionalQueryInt, periodParam, queryInt } from './components.js';
import { route } from './define.js';
import { auditEntry, overrideRequest, snapshotMeta, storedOverride } from './kpi-schemas.js';

const HR = ['hr'] as const;
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'expected an id');
const params = { role: id, period: periodParam({ year: false }) };
const reason = z.string().trim().min(3).max(500);
const requestId = z
  .string()
  .regex(/^[1-9]\d{0,17}$/, 'expected a request id')
  .describe('an override request id');

const exampleSnapshot = {
  role_id: 'cs_agent',
  period: '2026-Q3',
  version: 1,
  state: 'closed' as const,
  closed_by: 'k_3f9a2c',
  closed_at: '2026-10-05T09:00:00.000Z',
  reason: 'Q3 appraisal signed off',
  reopened_by: null,
  reopened_at: null,
  reopen_reason: null,
  within: null,
  data_version: '812:950',
  fingerprint: 'c0ffee…',
  models: { 'sentiment/zh': 'sentiment-zh@3f2a9c1e' },
  hashes: { kpi_inputs: '9a…', targets: '4b…', ratings: '77…', weight_profile: '01…' },
};

const exampleRequest = {
  id: 7,
  role_id: 'cs_agent',
  metric_id: 'csat',
  period: '2026-10',
  employee_id: 'E0003',
  value: 0.7,
  reason: 'long sick leave in the period',
  suggested: 0.91,
  model_version: 'baseline:cs_agent:csat@1',
  why: '23.1 % from the suggested 0.91, over the approval threshold of 10 %',
  state: 'pending' as const,
  requested_by: 'k_3f9a2c',
  requested_at: '2026-10-02T08:00:00.000Z',
  decided_by: null,
  decided_at: null,
  decision_reason: null,
};

const difference = z.object({
  part: z.enum(SNAPSHOT_PARTS),
  path: z.string().describe('where, e.g. people[E0003].metrics[csat].target'),
  closed: z.unknown().describe('the value in the snapshot (null: absent)'),
  now: z.unknown().describe('the value the data answers now (null: absent)'),
});

const periodRoutes: FastifyPluginAsyncZod = async (app) => {
  const { periods } = app.services;
  const actor = (r: { apiKey?: { id: string } | null | undefined }) => r.apiKey?.id ?? null;

  app.get(
    '/periods',
    route({
      operationId: 'listClosedPeriods',
      tags: ['periods'],
      summary: 'The closed roles and periods, newest close first',
      access: HR,
      query: { role: id.optional() },
      response: { 200: z.object({ closed: z.array(snapshotMeta) }) },
      example: { query: { role: 'cs_agent' }, response: { closed: [] } },
    }),
    async (request) => ({ closed: await periods.closed(request.query.role) }),
  );

  app.get(
    '/periods/:role/:period',
    route({
      operationId: 'getPeriodState',
      tags: ['periods'],
      summary: 'Whether a role’s period is closed, with every snapshot version taken',
      access: HR,
      params,
      response: {
        200: z.object({
          role: z.string(),
          period: z.string(),
          state: z.enum(['open', 'closed']),
          current: snapshotMeta.nullable(),
          versions: z.array(snapshotMeta),
        }),
      },
      errors: [404, 422],
      example: {
        params: { role: 'cs_agent', period: '2026-Q3' },
        response: { role: 'cs_agent', period: '2026-Q3', state: 'open', current: null, versions: [] },
      },
    }),
    async (request) => periods.state(request.params.role, request.params.period),
  );

  app.post(
    '/periods/:role/:period/close',
    route({
      operationId: 'closePeriod',
      tags: ['periods'],
      summary:
        'Close a role’s period: freeze its KPI inputs, targets with overrides, ratings and weight profile (audited)',
      description:
        'Closing a quarter closes its three months for the role with it (each a snapshot `within` the quarter, from the same state of the data; a month already closed on its own keeps its snapshot); a year then reads the closed quarter from its snapshot. Every read of the role and period (GET /v1/kpi-inputs, /v1/targets, /v1/targets/employees/{id}, /v1/ratings) then answers from the snapshot, marked `closed`. Closing a closed period answers its snapshot again (`created: false`). The snapshot is computed from one state of the data: a write committed meanwhile makes it start again (409 after 5 attempts).',
      access: HR,
      params,
      body: z.object({ reason: reason.optional() }),
      response: { 200: z.object({ snapshot: snapshotMeta, created: z.boolean() }) },
      errors: [404, 409, 422],
      example: {
        params: { role: 'cs_agent', period: '2026-Q3' },
        body: { reason: 'Q3 appraisal signed off' },
        response: { snapshot: exampleSnapshot, created: true },
      },
    }),
    async (request) => periods.close(request.params.role, request.params.period, actor(request), request.body.reason),
  );

  app.post(
    '/periods/:role/:period/reopen',
    route({
      operationId: 'reopenPeriod',
      tags: ['periods'],
      summary: 'Reopen a closed period (reason required, audited); its snapshot stays readable by version',
      description:
        'Reopening a quarter reopens the months closed with it. A month closed with its quarter cannot be reopened alone while the quarter is closed (409).',
      access: HR,
      params,
      body: z.object({ reason }),
      response: { 200: snapshotMeta },
      errors: [404, 409, 422],
      example: {
        params: { role: 'cs_agent', period: '2026-Q3' },
        body: { reason: 'a late correction of returns' },
        response: {
          ...exampleSnapshot,
          state: 'reopened',
          reopened_by: 'k_3f9a2c',
          reopened_at: '2026-10-09T09:00:00.000Z',
          reopen_reason: 'a late correction of returns',
        },
      },
    }),
    async (request) => periods.reopen(request.params.role, request.params.period, actor(request), request.body.reason),
  );

  app.get(
    '/periods/:role/:period/snapshot',
    route({
      operationId: 'getPeriodSnapshot',
      tags: ['periods'],
      summary: 'A snapshot of a role’s period (the latest, or `version`), each frozen answer exactly as it was',
      description:
        '`part` answers one frozen answer alone, byte for byte the text that was frozen (its sha256 is in `hashes`): kpi_inputs is what GET /v1/kpi-inputs?role=&period= answered for everyone of the role.',
      access: ['hr', 'scorer'],
      params,
      query: {
        version: optionalQueryInt({ min: 1, description: 'a snapshot version (default: the latest)' }),
        part: z.enum(SNAPSHOT_PARTS).optional(),
      },
      response: {
        200: z
          .union([
            z.object({
              snapshot: snapshotMeta,
              kpi_inputs: z.unknown(),
              targets: z.unknown(),
              ratings: z.unknown(),
              weight_profile: z.unknown(),
            }),
            z.unknown().describe('one part'),
          ])
          .describe('the whole snapshot, or one part with `part`'),
      },
      errors: [404, 422],
      plain: true,
      example: {
        params: { role: 'cs_agent', period: '2026-Q3' },
        query: { version: 1, part: 'weight_profile' },
        response: {
          period: '2026-Q3',
          profile: {
            id: 'default',
            name: 'Default',
            sales: 40,
            efficiency: 30,
            customer_experience: 20,
            innovation: 10,
            updated_by: null,
            updated_at: '2026-09-01T00:00:00.000Z',
          },
          chosen_by: 'calendar',
        },
      },
    }),
    async (request, reply) => {
      const { version, part } = request.query;
      const json = await periods.snapshot(request.params.role, request.params.period, version, part);
      return reply.type(JSON_TYPE).send(json as never);
    },
  );

  app.get(
    '/periods/:role/:period/differences',
    route({
      operationId: 'getPeriodDifferences',
      tags: ['periods'],
      summary:
        'Differences since close: what the data (recomputes, rescoring, promotions, rollbacks, corrections) would answer now that the snapshot does not',
      access: HR,
      params,
      query: {
        version: optionalQueryInt({ min: 1, description: 'a snapshot version (default: the latest)' }),
        limit: queryInt({ min: 1, max: 10_000, default: 500, description: 'differences listed (all are counted)' }),
      },
      response: {
        200: z.object({
          role: z.string(),
          period: z.string(),
          version: z.number().int(),
          closed_at: z.union([z.date(), z.iso.datetime()]),
          computed_at: z.string(),
          counts: z.record(z.string(), z.number().int()),
          total: z.number().int(),
          differences: z.array(difference),
        }),
      },
      errors: [404, 422],
      example: {
        params: { role: 'cs_agent', period: '2026-Q3' },
        response: {
          role: 'cs_agent',
          period: '2026-Q3',
          version: 1,
          closed_at: '2026-10-05T09:00:00.000Z',
          computed_at: '2026-11-02T08:00:00.000Z',
          counts: { kpi_inputs: 1, targets: 0, ratings: 0, weight_profile: 0 },
          total: 1,
          differences: [{ part: 'kpi_inputs', path: 'people[E0003].metrics[csat].actual', closed: 0.91, now: 0.89 }],
        },
      },
    }),
    async (request) =>
      periods.differences(request.params.role, request.params.period, request.query.version, request.query.limit),
  );

  app.get(
    '/periods/:role/:period/payroll',
    route({
      operationId: 'exportPeriodPayroll',
      tags: ['periods'],
      summary:
        'The payroll file of a closed period: its frozen KPI inputs, one row per person and metric, with the snapshot’s version and checksums',
      description:
        'Rows come from the snapshot in force (or `version`, any one ever taken; 409 when the period is not closed and no version is named), never from the live data. Every row carries `snapshot_version` and `snapshot_kpi_inputs_sha256` (the sha256 of the frozen KPI inputs, `hashes.kpi_inputs` of the snapshot, also GET …/snapshot?part=kpi_inputs); the headers `x-snapshot-version`, `x-snapshot-sha256` and `x-checksum-sha256` (the sha256 of the file’s bytes) say the same. CSV is UTF-8 with a BOM, RFC 4180 quoting, cells a spreadsheet would run as a formula prefixed with an apostrophe; XLSX is one sheet (the console exports’ spreadsheet module).',
      access: HR,
      params,
      query: {
        format: z.enum(['csv', 'xlsx']).default('csv'),
        version: optionalQueryInt({ min: 1, description: 'a snapshot version (default: the one in force)' }),
      },
      response: {
        200: {
          description: 'the payroll file',
          content: {
            'text/csv': { schema: z.string() },
            [XLSX_TYPE]: { schema: z.string().meta({ format: 'binary' }) },
          },
        },
      },
      errors: [404, 409, 422],
      example: {
        params: { role: 'cs_agent', period: '2026-Q3' },
        query: { format: 'csv' },
        response:
          '\uFEFFperiod,role,employee_id,metric,actual,baseline,target,floor,stretch,attainment,score,below_floor,composite_score,composite_attainment,service_rating_score,service_rating_stars,weight_profile,snapshot_version,snapshot_kpi_inputs_sha256\r\n2026-Q3,cs_agent,E0003,csat,0.93,0.91,0.92,0.88,0.95,1.01,61.2,FALSE,58.4,1.02,86.4,4.46,default,1,9a…\r\n',
      },
    }),
    async (request, reply) => {
      const { role, period } = request.params;
      const out = await periods.payroll(role, period, request.query.version, request.query.format);
      return reply
        .type(out.file.contentType)
        .header('content-disposition', `attachment; filename="${out.file.filename}"`)
        .header('x-snapshot-version', String(out.version))
        .header('x-snapshot-sha256', out.snapshot_sha256)
        .header('x-checksum-sha256', out.sha256)
        .send(out.file.body as string); // an XLSX is a Buffer: sent as it is, the schema only documents it
    },
  );

  app.get(
    '/override-requests',
    route({
      operationId: 'listOverrideRequests',
      tags: ['targets'],
      summary: 'Overrides waiting for (or decided by) a second HR key, oldest first',
      access: HR,
      query: {
        state: z.enum(['pending', 'approved', 'rejected']).optional(),
        role: id.optional(),
        period: periodParam({ year: false }).optional(),
      },
      response: { 200: z.array(overrideRequest) },
      example: { query: { state: 'pending' }, response: [exampleRequest] },
    }),
    async (request) => periods.requests(request.query),
  );

  app.get(
    '/override-requests/:id',
    route({
      operationId: 'getOverrideRequest',
      tags: ['targets'],
      summary: 'One override request',
      access: HR,
      params: { id: requestId },
      response: { 200: overrideRequest },
      example: { params: { id: '999999' }, response: exampleRequest },
    }),
    async (request) => periods.request(Number(request.params.id)),
  );

  app.post(
    '/override-requests/:id/approve',
    route({
      operationId: 'approveOverrideRequest',
      tags: ['targets'],
      summary: 'Approve a pending override: it takes effect now (audited); never by the key that requested it (403)',
      access: HR,
      params: { id: requestId },
      body: z.object({ reason: reason.optional() }),
      response: {
        200: z.object({
          request: overrideRequest,
          override: storedOverride.nullable().describe('null when answering a repeated approval'),
          audit: auditEntry.nullable(),
        }),
      },
      errors: [404, 409],
      example: {
        params: { id: '999999' },
        body: { reason: 'agreed' },
        response: {
          request: {
            ...exampleRequest,
            state: 'approved',
            decided_by: 'k_9b1d07',
            decided_at: '2026-10-02T10:00:00.000Z',
            decision_reason: 'agreed',
          },
          override: null,
          audit: null,
        },
      },
    }),
    async (request) => periods.approve(Number(request.params.id), actor(request), request.body.reason ?? null),
  );

  app.post(
    '/override-requests/:id/reject',
    route({
      operationId: 'rejectOverrideRequest',
      tags: ['targets'],
      summary: 'Reject a pending override (reason required, audited); never by the key that requested it (403)',
      access: HR,
      params: { id: requestId },
      body: z.object({ reason }),
      response: { 200: z.object({ request: overrideRequest }) },
      errors: [404, 409],
      example: {
        params: { id: '999999' },
        body: { reason: 'not justified by the data' },
        response: {
          request: {
            ...exampleRequest,
            state: 'rejected',
            decided_by: 'k_9b1d07',
            decided_at: '2026-10-02T10:00:00.000Z',
            decision_reason: 'not justified by the data',
          },
        },
      },
    }),
    async (request) => periods.reject(Number(request.params.id), actor(request), request.body.reason),
  );
};

export default periodRoutes;
