/**
 * Importers for two real export formats, feeding the same validated, idempotent history upsert:
 * 生意参谋 (Taobao Business Advisor) shop/item CSV exports and GA4 Data API runReport JSON.
 */
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { UnsupportedMediaTypeError } from '../errors.js';
import { warnings } from './components.js';
import { route } from './define.js';
import { CSV_TYPES, ingestResponses, ingestResult } from './ingest.js';

const periodKind = z.enum(['week', 'month', 'quarter']).default('week');
const partial = z
  .enum(['drop', 'include'])
  .default('drop')
  .describe(
    'periods the export covers only in part: left out (drop) or imported (include); listed in warnings either way',
  );
const date = z.string().meta({ format: 'date' });
const importResponses = ingestResponses(
  ingestResult
    .extend({
      warnings,
      periods: z.array(
        z.object({
          employee_id: z.string(),
          period: z.string(),
          start: date,
          end: date,
          first: date,
          last: date,
          covered_days: z.number().int(),
          total_days: z.number().int(),
          partial: z.boolean(),
          emitted: z.boolean().describe('false when the period was left out as partial'),
        }),
      ),
    })
    .meta({ id: 'ImportResult', description: 'What an export import stored, its warnings and the periods it saw' }),
);
const SYCM_TYPES = [...CSV_TYPES, 'application/octet-stream', 'text/plain'];

/** The runReport response as the importer reads it (GA4 sends more; the importer checks the rest). */
const runReport = z
  .looseObject({
    dimensionHeaders: z.array(z.looseObject({ name: z.string() })),
    metricHeaders: z.array(z.looseObject({ name: z.string(), type: z.string().optional() })),
    rows: z
      .array(
        z.looseObject({
          dimensionValues: z.array(z.looseObject({ value: z.string() })),
          metricValues: z.array(z.looseObject({ value: z.string() })),
        }),
      )
      .optional(),
    rowCount: z.number().int().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .describe('a GA4 Data API runReport response');

const sycmExample = [
  '统计日期,访客数,支付买家数,支付金额',
  ...[2, 3, 4, 5, 6, 7, 8, 9].map((d) => `2026-03-0${d},1000,30,3000.00`),
  '',
].join('\n');

const importerRoutes: FastifyPluginAsyncZod = async (app) => {
  const { ingestion } = app.services;
  // 生意参谋 exports arrive as CSV or as raw bytes (GBK or UTF-8); read them whole
  app.addContentTypeParser(['application/octet-stream', 'text/plain'], (_request, payload, done) =>
    done(null, payload),
  );

  app.post(
    '/history/import/sycm',
    route({
      operationId: 'importSycm',
      tags: ['history'],
      summary: '生意参谋 (Taobao Business Advisor) shop or item report export → KPI history of one employee',
      description:
        'Body: the exported CSV as is (UTF-8 or GBK; metadata lines above the 统计日期 header are skipped). Daily rows are aggregated into periods: gmv = Σ支付金额, visitors = Σ访客数, conversion_rate = Σ支付买家数 / Σ访客数, aov = Σ支付金额 / Σ支付买家数.',
      access: ['hr'],
      upload: { text: { types: SYCM_TYPES, description: 'the exported CSV, UTF-8 or GBK' } },
      query: {
        employee_id: z.string().min(1).describe('the owner of the shop or items'),
        period_kind: periodKind,
        encoding: z.enum(['auto', 'utf-8', 'gbk']).default('auto'),
        partial,
        item_ids: z
          .string()
          .optional()
          .describe('comma-separated 商品ID to import from an item report (default: sum of all items)'),
      },
      response: importResponses,
      errors: [422],
      example: {
        query: { employee_id: 'E0002', period_kind: 'week' },
        text: sycmExample,
        response: {
          received: 4,
          inserted: 4,
          updated: 0,
          unchanged: 0,
          warnings: [
            {
              code: 'partial_period',
              message:
                '2026-W11 (E0002) is partial: the source covers 1 of 7 days (2026-03-09..2026-03-09); not imported',
            },
          ],
          periods: [
            {
              employee_id: 'E0002',
              period: '2026-W10',
              start: '2026-03-02',
              end: '2026-03-08',
              first: '2026-03-02',
              last: '2026-03-08',
              covered_days: 7,
              total_days: 7,
              partial: false,
              emitted: true,
            },
            {
              employee_id: 'E0002',
              period: '2026-W11',
              start: '2026-03-09',
              end: '2026-03-15',
              first: '2026-03-09',
              last: '2026-03-09',
              covered_days: 1,
              total_days: 7,
              partial: true,
              emitted: false,
            },
          ],
        },
      },
    }),
    async (request) => {
      const q = request.query;
      const body = request.body;
      if (!body || typeof (body as Readable).pipe !== 'function')
        throw new UnsupportedMediaTypeError(request.headers['content-type'], [
          ...CSV_TYPES,
          'application/octet-stream',
        ]);
      const itemIds = q.item_ids
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      return ingestion.importSycm(body as Readable, {
        employee_id: q.employee_id,
        periodKind: q.period_kind,
        encoding: q.encoding,
        partial: q.partial,
        ...(itemIds ? { itemIds } : {}),
      });
    },
  );

  app.post(
    '/history/import/ga4',
    route({
      operationId: 'importGa4',
      tags: ['history'],
      summary: 'Google Analytics 4 Data API runReport response → KPI history',
      description:
        'Body: the runReport JSON (dimensionHeaders, metricHeaders, rows) with a date, yearWeek, isoYearIsoWeek or yearMonth dimension. Revenue → gmv, totalUsers → visitors, purchases / visitors → conversion_rate, revenue / purchases → aov.',
      access: ['hr'],
      upload: { json: runReport },
      query: {
        employee_id: z.string().min(1).optional().describe('the employee the whole report belongs to'),
        employee_dimension: z
          .string()
          .min(1)
          .optional()
          .describe('or: a dimension whose value is the employee id per row, e.g. customEvent:agent_id'),
        period_kind: periodKind,
        partial,
      },
      response: importResponses,
      errors: [422],
      example: {
        query: { employee_id: 'E0002', period_kind: 'month' },
        body: {
          dimensionHeaders: [{ name: 'yearMonth' }],
          metricHeaders: [
            { name: 'totalRevenue', type: 'TYPE_CURRENCY' },
            { name: 'totalUsers', type: 'TYPE_INTEGER' },
            { name: 'transactions', type: 'TYPE_INTEGER' },
          ],
          rows: [
            {
              dimensionValues: [{ value: '202601' }],
              metricValues: [{ value: '100000' }, { value: '40000' }, { value: '800' }],
            },
          ],
          rowCount: 1,
          metadata: { currencyCode: 'CNY', timeZone: 'Asia/Shanghai' },
        },
        response: {
          received: 4,
          inserted: 4,
          updated: 0,
          unchanged: 0,
          warnings: [],
          periods: [
            {
              employee_id: 'E0002',
              period: '2026-01',
              start: '2026-01-01',
              end: '2026-01-31',
              first: '2026-01-01',
              last: '2026-01-31',
              covered_days: 31,
              total_days: 31,
              partial: false,
              emitted: true,
            },
          ],
        },
      },
    }),
    async (request) => {
      const q = request.query;
      return ingestion.importGa4(request.body, {
        periodKind: q.period_kind,
        partial: q.partial,
        ...(q.employee_id ? { employee_id: q.employee_id } : {}),
        ...(q.employee_dimension ? { employeeDimension: q.employee_dimension } : {}),
      });
    },
  );
};

export default importerRoutes;
