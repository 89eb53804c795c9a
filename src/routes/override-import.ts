/**
 * `POST /v1/targets/overrides/import`: overrides from the target desk's export layout (CSV, or the
 * XLSX's bytes), all or nothing and audited (src/services/override-import.ts).
 */
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { UnsupportedMediaTypeError } from '../errors.js';
import { readLimited } from '../ingest/body.js';
import { XLSX_TYPE } from '../lib/spreadsheet.js';
import { route } from './define.js';
import { CSV_TYPES, ingestResponses } from './ingest.js';
import { fileNameOf } from './importers.js';

const result = z
  .object({
    received: z.number().int().describe('data rows read'),
    set: z.number().int().describe('overrides set or changed'),
    cleared: z.number().int().describe('overrides reverted to the suggested target'),
    unchanged: z
      .number()
      .int()
      .describe('rows already so, with neither value nor reason, or whose same request is pending already'),
    requested: z
      .number()
      .int()
      .describe('override requests filed now for a second approver (rows beyond the approval threshold)'),
    requests: z
      .array(
        z.object({
          row: z.number().int().describe('the data row (1 is the first under the header)'),
          request_id: z
            .number()
            .int()
            .describe(
              'the override request filed (GET /v1/override-requests/{id}; approved or rejected by a second HR key)',
            ),
          employee_id: z.string(),
          role: z.string(),
          metric: z.string(),
          period: z.string(),
          value: z.number(),
          why: z.string().describe('why it needs a second approver (the threshold it crosses, or role-wide)'),
          filed: z.boolean().describe('false: the same request from the same key was pending already'),
        }),
      )
      .describe('every row waiting for a second approver, in row order'),
  })
  .meta({ id: 'OverrideImportResult' });

const overrideImportRoutes: FastifyPluginAsyncZod = async (app) => {
  const { overrideImport } = app.services;
  const limit = app.initialConfig.bodyLimit ?? 1024 * 1024;
  app.addContentTypeParser([XLSX_TYPE, 'application/octet-stream'], (_request, payload, done) => done(null, payload));

  app.post(
    '/targets/overrides/import',
    route({
      operationId: 'importTargetOverrides',
      tags: ['targets'],
      summary:
        "Import overrides from the target desk's export layout (CSV or XLSX); all or nothing, audited; rows beyond the approval threshold filed for a second approver",
      description:
        "Each row names employee_id (or '*' for the whole role), role, metric and period; override_value sets the override with override_reason (required), an empty override_value with a reason reverts the override in force, both empty leave the row. The export's other columns are read past. Every row is checked as PUT /v1/targets/overrides checks one (roles, metrics, the employee's role, bounds, closed periods) and no key may come twice; any bad row → 422 listing the rows, nothing written. Otherwise the whole file is taken in one transaction, each change with its audit row: a row within the approval threshold (OVERRIDE_APPROVAL_*) is applied, a row beyond it is filed as an override request that a second HR key approves or rejects (maker–checker, as PUT /v1/targets/overrides files one) and listed in `requests`. A row already in force, or whose same request from the same key is pending, counts as unchanged, so sending the same file again changes nothing.",
      access: ['hr'],
      upload: {
        text: {
          types: CSV_TYPES,
          description:
            "CSV (UTF-8, with or without BOM) with at least the columns employee_id, role, metric, period, override_value, override_reason — the desk's export has them",
        },
        files: { types: [XLSX_TYPE, 'application/octet-stream'], description: "the desk's XLSX export, edited" },
      },
      response: ingestResponses(result),
      errors: [422],
      example: {
        text: 'employee_id,role,metric,period,override_value,override_reason\nE0003,cs_agent,csat,2026-10,0.95,new hire: ramp-up target agreed with the team lead\n',
        response: { received: 1, set: 0, cleared: 0, unchanged: 1, requested: 0, requests: [] },
      },
    }),
    async (request) => {
      const body = request.body as Readable | undefined;
      if (!body || typeof body.pipe !== 'function')
        throw new UnsupportedMediaTypeError(request.headers['content-type'], [...CSV_TYPES, XLSX_TYPE]);
      const bytes = await readLimited(body, limit);
      return overrideImport.importOverrides(
        { name: fileNameOf(request.headers['content-disposition']), bytes },
        request.apiKey?.id ?? null,
      );
    },
  );
};

export default overrideImportRoutes;
