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
    unchanged: z.number().int().describe('rows already so, or with neither value nor reason'),
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
      summary: "Import overrides from the target desk's export layout (CSV or XLSX); all or nothing, audited",
      description:
        "Each row names employee_id (or '*' for the whole role), role, metric and period; override_value sets the override with override_reason (required), an empty override_value with a reason reverts the override in force, both empty leave the row. The export's other columns are read past. Every row is checked as PUT /v1/targets/overrides checks one (roles, metrics, the employee's role, bounds, closed periods; an override over the approval threshold is refused: set it alone to file it for approval) and no key may come twice; any bad row → 422 listing the rows, nothing written. Otherwise every change is written in one transaction with its audit row. A row already in force counts as unchanged, so sending the same file again changes nothing.",
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
        response: { received: 1, set: 0, cleared: 0, unchanged: 1 },
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
