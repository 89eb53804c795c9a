/**
 * Importers for two real export formats, feeding the same validated, idempotent history upsert:
 * 生意参谋 (Taobao Business Advisor) shop/item CSV exports and GA4 Data API runReport JSON.
 */
import type { Readable } from 'node:stream';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { UnsupportedMediaTypeError } from '../errors.js';
import { BadRequestError } from '../lib/errors.js';
import type { UploadedFile } from '../services/ingestion.js';
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
      periods: z
        .array(
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
        )
        .describe(
          'the periods the import touched, with their coverage by every stored day (complete: covered_days = total_days)',
        ),
      days: z
        .object({
          received: z.number().int(),
          inserted: z.number().int(),
          updated: z.number().int(),
          unchanged: z.number().int(),
          replaced: z
            .number()
            .int()
            .describe('stored values of another span (e.g. a month range) the new days replaced'),
        })
        .describe('the daily values stored (one per employee, shop, quantity and day)'),
    })
    .meta({ id: 'ImportResult', description: 'What an export import stored, its warnings and the periods it saw' }),
);
const SYCM_TYPES = [...CSV_TYPES, 'text/plain'];
/** Workbooks and archives as 生意参谋 downloads them (Windows browsers send zips as x-zip-compressed). */
const FILE_TYPES = [
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/zip',
  'application/x-zip-compressed',
  'application/octet-stream',
];
const MULTIPART = 'multipart/form-data';
/** Most files one multipart upload may carry (a year of daily downloads). */
const MAX_FILES = 400;

/** The file name a raw body names in `Content-Disposition` (RFC 6266, `filename*` first), else 'the file'. */
export function fileNameOf(disposition: string | undefined): string {
  if (!disposition) return 'the file';
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim());
    } catch {
      // fall through to the plain parameter
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/.exec(disposition);
  return (plain?.[1] ?? plain?.[2] ?? '').trim() || 'the file';
}

/** The files of a request: each part of a multipart form, or the raw body as one file. */
function uploadedFiles(request: FastifyRequest): AsyncIterable<UploadedFile> | UploadedFile[] {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === MULTIPART)
    return (async function* () {
      let n = 0;
      for await (const part of request.parts()) {
        if (part.type !== 'file')
          throw new BadRequestError(
            `multipart field '${part.fieldname}': only files are read; the parameters (shop, sheet, …) go in the query string`,
            { errors: [{ field: `body.${part.fieldname}`, reason: 'not a file' }] },
          );
        n += 1;
        yield { name: part.filename || `${part.fieldname} ${n}`, stream: part.file };
      }
      if (n === 0)
        throw new BadRequestError('the multipart form holds no file', {
          errors: [{ field: 'body.file', reason: 'no file part' }],
        });
    })();
  const body = request.body;
  if (!body || typeof (body as Readable).pipe !== 'function')
    throw new UnsupportedMediaTypeError(request.headers['content-type'], [...SYCM_TYPES, ...FILE_TYPES, MULTIPART]);
  return [{ name: fileNameOf(request.headers['content-disposition']), stream: body as Readable }];
}

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
  // 生意参谋 exports arrive as CSV, text, workbooks or zips (read whole by the service), or as a form of files
  app.addContentTypeParser(['text/plain', ...FILE_TYPES], (_request, payload, done) => done(null, payload));
  await app.register(fastifyMultipart, {
    limits: {
      fileSize: app.initialConfig.bodyLimit ?? 1024 * 1024,
      files: MAX_FILES,
      fields: 10,
      parts: MAX_FILES + 10,
    },
  });

  app.post(
    '/history/import/sycm',
    route({
      operationId: 'importSycm',
      tags: ['history'],
      summary: '生意参谋 (Taobao Business Advisor) shop or item report export → KPI history of one employee',
      description:
        "Body: the export as downloaded — CSV or tab text (UTF-8, GBK, UTF-16), a BIFF8 .xls, an .xlsx, or a zip holding one (自助取数) — or a multipart/form-data form of several such files (a scraper's one file per day) read as one export; a raw body's name for errors comes from Content-Disposition. Metadata lines above the 统计日期 header are skipped. The days are stored (a day sent again replaces itself) and each period they touch is rolled up from every stored day of the employee: gmv = Σ支付金额, visitors = Σ访客数, conversion_rate = Σ支付买家数 / Σ访客数, aov = Σ支付金额 / Σ支付买家数, ad_spend, new_customers, roi = gmv / ad_spend, cac = ad_spend / new_customers. A period is complete when its days are (covered_days = total_days). Every refusal names the file, the row and the column; a password-protected workbook is refused (422).",
      access: ['hr'],
      upload: {
        text: { types: SYCM_TYPES, description: 'the exported CSV or tab text, UTF-8, GBK or UTF-16' },
        files: {
          types: FILE_TYPES,
          description: 'a .xls (BIFF8) or .xlsx workbook, a zip holding one sheet file, or the CSV as bytes',
          multipart: true,
        },
      },
      query: {
        employee_id: z.string().min(1).describe('the owner of the shop or items'),
        period_kind: periodKind,
        encoding: z.enum(['auto', 'utf-8', 'gbk']).default('auto'),
        partial,
        item_ids: z
          .string()
          .optional()
          .describe('comma-separated 商品ID to import from an item report (default: sum of all items)'),
        shop: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('reports with a 店铺名称 / 店铺名 column: the shop to import (required when the file has several)'),
        sheet: z.string().min(1).max(200).optional().describe('workbooks: the sheet to read (default: the first)'),
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
                '2026-W11 (E0002) is partial: the stored days cover 1 of 7 days (2026-03-09..2026-03-09); not imported until its days are complete',
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
          days: { received: 24, inserted: 24, updated: 0, unchanged: 0, replaced: 0 },
        },
      },
    }),
    async (request) => {
      const q = request.query;
      const itemIds = q.item_ids
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      return ingestion.importSycm(uploadedFiles(request), {
        employee_id: q.employee_id,
        periodKind: q.period_kind,
        encoding: q.encoding,
        partial: q.partial,
        ...(itemIds ? { itemIds } : {}),
        ...(q.shop ? { shop: q.shop } : {}),
        ...(q.sheet ? { sheet: q.sheet } : {}),
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
        "Body: the runReport JSON (dimensionHeaders, metricHeaders, rows; the REST API's camelCase or the Python client's snake_case with integer enums) with a date, yearWeek, isoYearIsoWeek or yearMonth dimension, or a multipart/form-data form of several such JSON files (e.g. one per day). Revenue → gmv, totalUsers → visitors, purchases / visitors → conversion_rate, revenue / purchases → aov, advertiserAdCost → ad_spend, firstTimePurchasers → new_customers, roi, cac. The days are stored and each period they touch is rolled up from every stored day (see importSycm).",
      access: ['hr'],
      upload: {
        json: runReport,
        files: { types: [], description: 'runReport responses as .json files', multipart: true },
      },
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
          days: { received: 3, inserted: 3, updated: 0, unchanged: 0, replaced: 0 },
        },
      },
    }),
    async (request) => {
      const q = request.query;
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      return ingestion.importGa4(type === MULTIPART ? { files: uploadedFiles(request) } : { report: request.body }, {
        periodKind: q.period_kind,
        partial: q.partial,
        ...(q.employee_id ? { employee_id: q.employee_id } : {}),
        ...(q.employee_dimension ? { employeeDimension: q.employee_dimension } : {}),
      });
    },
  );
};

export default importerRoutes;
