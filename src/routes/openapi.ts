/**
 * The OpenAPI document, generated from the routes' zod schemas (fastify-type-provider-zod converts
 * them; the shared ones in components.ts become `components.schemas`) and finished here from what
 * the route helper (define.ts) put beside them: upload bodies, the error statuses as references to
 * one response per status (each the Problem under application/problem+json), and the examples.
 * Components nothing refers to are dropped, so the document lints clean.
 */
import type { FastifyDynamicSwaggerOptions, SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { VERSION } from '../lib/version.js';
import type { ErrorStatus, RouteExample, Upload } from './define.js';

type Json = Record<string, unknown>;

const TAGS = [
  ['service', 'Health and metrics of the process'],
  ['admin', 'API keys (scope admin)'],
  ['catalogue', 'Roles and the metric catalogue'],
  ['calendar', 'Promotion windows and holidays of the business calendar'],
  ['history', 'Employees and KPI history: bulk uploads (JSON or CSV), the 生意参谋 and GA4 importers, reads'],
  ['reviews', 'Customer reviews: bulk uploads and reads'],
  ['sentiment', 'Scoring review text'],
  ['ratings', 'Service-ability ratings, the reviews behind them, overdue reviews and return events'],
  ['baselines', 'Training baseline models (a job) and their versions'],
  ['targets', 'Suggested targets, overrides and their audit log'],
  ['weights', 'Weight profiles of the indicator groups'],
  ['kpi-inputs', 'Adjusted KPI inputs for scoring systems'],
  ['jobs', 'Asynchronous work: submit, poll, cancel'],
  ['models', 'The model registry: versions, shadow comparison, promote, roll back'],
  ['360', '360° feedback: ratings from managers, peers and customers, calibrated for rater leniency'],
  ['incentives', 'Tiered incentive plans, payout previews and the payroll export'],
  ['growth', 'Growth points: the task catalogue, completions, redemptions and the ledger'],
  ['ab', 'A/B validation of target policies and weight profiles on history'],
  ['audit', 'The one audit log of every audited change, and its export'],
] as const;

/** One response per error status, each the Problem, with an example of its most common code. */
const PROBLEMS: Record<ErrorStatus, { name: string; description: string; code: string; detail: string; retry?: true }> =
  {
    400: {
      name: 'BadRequest',
      description:
        'The request does not fit the schema (an unknown or empty parameter, a bad period) or cannot be read',
      code: 'invalid_request',
      detail: 'querystring.limit: unknown query parameter; this route takes role, period, metric, below_floor',
    },
    401: {
      name: 'Unauthorized',
      description: 'No API key, or an unknown or revoked one',
      code: 'unauthorized',
      detail: 'an API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"',
    },
    403: {
      name: 'Forbidden',
      description: 'The key lacks the scope this route (or job kind) needs',
      code: 'forbidden',
      detail: 'this key lacks the scope for this route; needs one of: admin, hr',
    },
    404: {
      name: 'NotFound',
      description: 'What the path names does not exist (or no model answers it)',
      code: 'not_found',
      detail: 'employee nobody not found',
    },
    409: {
      name: 'Conflict',
      description: 'The request contradicts the stored state',
      code: 'conflict',
      detail: 'sentiment-zh@b0861cd7e04d has no previous version to roll back to',
    },
    413: {
      name: 'PayloadTooLarge',
      description: 'The body is over BODY_LIMIT, or a text or list is over its size limit',
      code: 'payload_too_large',
      detail: 'request body exceeds the limit of 67108864 bytes (BODY_LIMIT)',
    },
    415: {
      name: 'UnsupportedMediaType',
      description: 'The body is of a content type this route does not read',
      code: 'unsupported_media_type',
      detail: 'content type text/plain is not accepted here; send one of application/json, text/csv, application/csv',
    },
    422: {
      name: 'Unprocessable',
      description:
        'Valid in form but not acceptable: invalid rows (`invalid_rows`, each bad row in `errors`; nothing was written) or a value the data cannot answer',
      code: 'invalid_rows',
      detail: '1 employees invalid; nothing was written',
    },
    429: {
      name: 'TooManyRequests',
      description: 'Over the rate limit of the key (or address); retry after Retry-After seconds',
      code: 'rate_limited',
      detail: 'Rate limit exceeded, retry in 1 minute',
      retry: true,
    },
    503: {
      name: 'ServiceUnavailable',
      description: 'The job queue (Redis) is down; retry after Retry-After seconds',
      code: 'service_unavailable',
      detail: 'the job queue (Redis) is not reachable: connection reconnecting; submit again shortly',
      retry: true,
    },
  };

function problemExample(status: ErrorStatus): Json {
  const p = PROBLEMS[status];
  return {
    type: `https://kpi-calibrator.dev/problems/${p.code}`,
    title: p.code.replace(/_/g, ' '),
    status,
    code: p.code,
    detail: p.detail,
    ...(status === 422 ? { errors: [{ row: 2, field: 'role', reason: 'is required' }] } : {}),
    ...(status === 400
      ? {
          errors: [
            {
              field: 'querystring.limit',
              reason: 'unknown query parameter; this route takes role, period, metric, below_floor',
            },
          ],
        }
      : {}),
  };
}

function problemResponses(): Json {
  return Object.fromEntries(
    (Object.keys(PROBLEMS) as unknown as ErrorStatus[]).map((s) => {
      const p = PROBLEMS[s];
      return [
        p.name,
        {
          description: p.description,
          ...(p.retry
            ? {
                headers: {
                  'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer' } },
                },
              }
            : {}),
          content: {
            'application/problem+json': {
              schema: { $ref: '#/components/schemas/Problem' },
              example: problemExample(Number(s) as ErrorStatus),
            },
          },
        },
      ];
    }),
  );
}

const base = createJsonSchemaTransform({ skipList: [] });
const components = createJsonSchemaTransformObject({});

/** Per route: the zod schemas → JSON Schema; the body as documented from `x-body`, an upload's from `x-upload`. */
const transform: SwaggerTransform = (input) => {
  const schema = input.schema as Json | undefined;
  if (!schema?.['x-upload'] && !schema?.['x-body']) return base(input as Parameters<typeof base>[0]);
  const { 'x-upload': upload, 'x-body': shown, ...rest } = schema as Json & { 'x-upload'?: Upload; 'x-body'?: unknown };
  const out = base({ ...input, schema: rest } as Parameters<typeof base>[0]);
  if (shown) {
    (out.schema as Json).body = (
      base({ ...input, schema: { body: shown } } as Parameters<typeof base>[0]).schema as Json
    ).body;
    return out;
  }
  if (!upload) return out;
  const content: Json = {};
  if (upload.json)
    content['application/json'] = {
      schema: (base({ ...input, schema: { body: upload.json } } as Parameters<typeof base>[0]).schema as Json).body,
    };
  for (const type of upload.text?.types ?? [])
    content[type] = { schema: { type: 'string', description: upload.text!.description } };
  for (const type of upload.files?.types ?? [])
    content[type] = { schema: { type: 'string', format: 'binary', description: upload.files!.description } };
  if (upload.files?.multipart)
    content['multipart/form-data'] = {
      schema: {
        type: 'object',
        properties: {
          file: {
            type: 'array',
            items: { type: 'string', format: 'binary' },
            description: `one part per file, any field name, each with its filename; ${upload.files.description}`,
          },
        },
        required: ['file'],
      },
    };
  (out.schema as Json).body = { content };
  return out;
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const SUCCESS: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted: the job; poll it for progress and result',
  204: 'Done; no content',
};

/** Adds the examples of `x-example` where OpenAPI puts them: parameters, request body, answer. */
function placeExamples(op: Json, example: RouteExample): void {
  for (const p of (op.parameters ?? []) as Json[]) {
    const from = p.in === 'path' ? example.params : p.in === 'query' ? example.query : undefined;
    const value = from?.[p.name as string];
    if (value !== undefined) p.example = value;
  }
  const body = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
  for (const [type, media] of Object.entries(body ?? {})) {
    if (type === 'application/json' && example.body !== undefined) media.example = example.body;
    else if (
      type !== 'application/json' &&
      example.text !== undefined &&
      !type.startsWith('multipart/') &&
      (media.schema as Json | undefined)?.format !== 'binary'
    )
      media.example = example.text;
  }
  if (example.response === undefined) return;
  for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
    const media = Object.values((response.content ?? {}) as Record<string, Json>)[0];
    if (status.startsWith('2') && media) {
      media.example = example.response;
      return;
    }
  }
}

/** The `$ref`s anywhere under `node`. */
function refsIn(node: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const n of node) refsIn(n, out);
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.add(v);
      else refsIn(v, out);
    }
  return out;
}

/** The whole document: shared components, problem references, examples; unused components dropped. */
const transformObject: SwaggerTransformObject = (input) => {
  const doc = components(input) as Json & { paths: Record<string, Record<string, Json>>; components: Json };
  const used = new Set<ErrorStatus>();
  for (const item of Object.values(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const responses = op.responses as Record<string, Json>;
      for (const status of (op['x-problems'] ?? []) as ErrorStatus[]) {
        used.add(status);
        responses[status] = { $ref: `#/components/responses/${PROBLEMS[status].name}` };
      }
      for (const [status, response] of Object.entries(responses))
        if (response.description === 'Default Response') response.description = SUCCESS[status] ?? 'The answer';
      if (op['x-example']) placeExamples(op, op['x-example'] as RouteExample);
      delete op['x-problems'];
      delete op['x-example'];
    }
  }
  const responses = problemResponses();
  doc.components.responses = Object.fromEntries(
    [...used].sort().map((s) => [PROBLEMS[s].name, responses[PROBLEMS[s].name]]),
  );
  // keep the schemas reachable from the paths and the responses
  const schemas = (doc.components.schemas ?? {}) as Record<string, unknown>;
  const keep = new Set<string>();
  let frontier = refsIn([doc.paths, doc.components.responses], new Set());
  while (frontier.size > 0) {
    const next = new Set<string>();
    for (const ref of frontier) {
      const name = ref.replace('#/components/schemas/', '');
      if (keep.has(name) || !(name in schemas)) continue;
      keep.add(name);
      refsIn(schemas[name], next);
    }
    frontier = next;
  }
  doc.components.schemas = Object.fromEntries(Object.entries(schemas).filter(([name]) => keep.has(name)));
  return doc as ReturnType<SwaggerTransformObject>;
};

/** The @fastify/swagger options: the document's head and the two transforms above. */
export const openapiOptions: FastifyDynamicSwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'kpi-calibrator',
      version: VERSION,
      description:
        'Calibrated KPI baselines and targets, review sentiment and service-ability ratings for e-commerce operations. Every error is `application/problem+json` (the Problem schema); an unknown query parameter is a 400 naming it.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'the server that serves this document (paths start with /v1)' }],
    tags: TAGS.map(([name, description]) => ({ name, description })),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API key (kpi_…)' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
  },
  transform,
  transformObject,
};
