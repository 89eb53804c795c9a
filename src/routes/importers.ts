/**
 * Importers for two real export formats, feeding the same validated, idempotent history upsert:
 * 生意参谋 (Taobao Business Advisor) shop/item CSV exports and GA4 Data API runReport JSON.
 */
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { UnsupportedMediaTypeError } from '../errors.js';
import { CSV_TYPES, ingestResult, rowErrors } from './ingest.js';

const periodKind = z.enum(['week', 'month', 'quarter']).default('week');
const partial = z
  .enum(['drop', 'include'])
  .default('drop')
  .describe(
    'periods the export covers only in part: left out (drop) or imported (include); listed in warnings either way',
  );
const importResponse = {
  200: ingestResult.extend({
    warnings: z.array(z.string()),
    periods: z.array(
      z.object({
        employee_id: z.string(),
        period: z.string(),
        start: z.string(),
        end: z.string(),
        first: z.string(),
        last: z.string(),
        covered_days: z.number(),
        total_days: z.number(),
        partial: z.boolean(),
        emitted: z.boolean().describe('false when the period was left out as partial'),
      }),
    ),
  }),
  422: rowErrors.passthrough(),
};

const importerRoutes: FastifyPluginAsyncZod = async (app) => {
  const { ingestion } = app.services;
  // 生意参谋 exports arrive as CSV or as raw bytes (GBK or UTF-8); read them whole
  app.addContentTypeParser(['application/octet-stream', 'text/plain'], (_request, payload, done) =>
    done(null, payload),
  );

  app.post(
    '/history/import/sycm',
    {
      config: { scopes: ['hr'] },
      schema: {
        tags: ['history'],
        summary: '生意参谋 (Taobao Business Advisor) shop or item report export → KPI history of one employee',
        description:
          'Body: the exported CSV as is (UTF-8 or GBK; metadata lines above the 统计日期 header are skipped). Daily rows are aggregated into periods: gmv = Σ支付金额, visitors = Σ访客数, conversion_rate = Σ支付买家数 / Σ访客数, aov = Σ支付金额 / Σ支付买家数.',
        consumes: [...CSV_TYPES, 'application/octet-stream', 'text/plain'],
        querystring: z.object({
          employee_id: z.string().min(1).describe('the owner of the shop or items'),
          period_kind: periodKind,
          encoding: z.enum(['auto', 'utf-8', 'gbk']).default('auto'),
          partial,
          item_ids: z
            .string()
            .optional()
            .describe('comma-separated 商品ID to import from an item report (default: sum of all items)'),
        }),
        response: importResponse,
      },
    },
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
    {
      config: { scopes: ['hr'] },
      schema: {
        tags: ['history'],
        summary: 'Google Analytics 4 Data API runReport response → KPI history',
        description:
          'Body: the runReport JSON (dimensionHeaders, metricHeaders, rows) with a date, yearWeek, isoYearIsoWeek or yearMonth dimension. Revenue → gmv, totalUsers → visitors, purchases / visitors → conversion_rate, revenue / purchases → aov.',
        consumes: ['application/json'],
        querystring: z.object({
          employee_id: z.string().min(1).optional().describe('the employee the whole report belongs to'),
          employee_dimension: z
            .string()
            .min(1)
            .optional()
            .describe('or: a dimension whose value is the employee id per row, e.g. customEvent:agent_id'),
          period_kind: periodKind,
          partial,
        }),
        response: importResponse,
      },
    },
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
