/**
 * The route helper every route uses: one spec → the Fastify route options (access config, zod
 * schemas, serializer) and the OpenAPI operation built from the same schemas. What a route gets by
 * default:
 * - an `operationId` (camelCase, stable: clients name their methods after it), tags and a summary;
 * - a strict query: an unknown parameter is a 400 naming it, even on routes that take none;
 * - every error status it can answer, derived from the spec — 400 and 429 always; 401 and 403 unless
 *   public; 413 and 415 with a body (413 also where a parameter has a length limit); 404 with path
 *   parameters; 503 with `queue`; 404, 409, 422 where `errors` adds them — each the one Problem under
 *   `application/problem+json` (src/routes/openapi.ts turns `x-problems` into references);
 * - upload bodies (JSON rows and CSV text) documented without being validated here: the ingestion
 *   service reads them (streamed) and reports every bad row as a 422;
 * - an example request and answer, which the OpenAPI lint checks against the schemas and the
 *   conformance test (test/routes/openapi-conformance.test.ts) sends.
 */
import type { FastifyContextConfig } from 'fastify';
import { z } from 'zod';
import type { Scope } from '../auth/scopes.js';

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;
type SuccessStatus = 200 | 201 | 202 | 204;

/** A response declared with its content type (e.g. Prometheus text). */
export interface ContentResponse {
  description?: string;
  content: Record<string, { schema: z.ZodType }>;
}
export type Responses = Partial<Record<SuccessStatus | 422 | 503, z.ZodType | ContentResponse>>;

/** One request that works and the answer it gets (values as they go on the wire). */
export interface RouteExample {
  params?: Record<string, string>;
  query?: Record<string, string | number | boolean>;
  /** The JSON body (the first request body media type). */
  body?: unknown;
  /** The text body of an upload (CSV, or an export's bytes). */
  text?: string;
  /** The answer's body (omit for 204). */
  response?: unknown;
}

/** A request body the handler reads itself (uploads): documented, not validated by the route. */
export interface Upload {
  /** The JSON body (e.g. `rowsBody(row)`); the ingestion service checks each row. */
  json?: z.ZodType;
  /** Text bodies: their content types and what they hold (e.g. the CSV header). */
  text?: { types: readonly string[]; description: string };
  /**
   * File bodies: binary content types (a workbook, a zip) sent as they are, and with `multipart`
   * a `multipart/form-data` form of one or more files.
   */
  files?: { types: readonly string[]; description: string; multipart?: boolean };
}

export interface RouteSpec<
  Q extends z.ZodRawShape,
  P extends z.ZodRawShape | undefined,
  B extends z.ZodType | undefined,
  R extends Responses,
> {
  /** camelCase and stable: a generated client's method name. */
  operationId: string;
  summary: string;
  description?: string;
  tags: readonly [string, ...string[]];
  /** The scopes that may call it (admin always may), or `public` (no key). */
  access: readonly Scope[] | 'public';
  query?: Q;
  params?: P;
  /** A JSON body validated here. */
  body?: B;
  /**
   * The JSON body as the document shows it, when it says more than `body` checks: the service checks
   * the rest itself, in its own order and words (POST /v1/jobs: each kind's data, after the kind and
   * the scope).
   */
  documentedBody?: z.ZodType;
  upload?: Upload;
  response: R;
  /** Error statuses beyond the derived ones (the service's domain codes: 404, 409, 422). */
  errors?: readonly (404 | 409 | 413 | 422)[];
  /** Submits a job: 503 with Retry-After while the queue is down. */
  queue?: boolean;
  /** Serialise the answer with JSON.stringify (large answers the tests parse; see kpi-schemas.ts). */
  plain?: boolean;
  example: RouteExample;
}

/** A bulk upload's JSON body: an array of rows, or `{ "rows": [...] }`. */
export const rowsBody = (row: z.ZodType) =>
  z.union([z.array(row), z.object({ rows: z.array(row) })]).describe('an array of rows, or {"rows": [...]}');

/** True when the JSON schema of `s` has a length or size limit (breaking one answers 413). */
function hasLimit(s: z.ZodType): boolean {
  const json = JSON.stringify(z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }));
  return /"max(Length|Items)":/.test(json);
}

export function route<
  Q extends z.ZodRawShape = Record<never, never>,
  P extends z.ZodRawShape | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends Responses = Responses,
>(spec: RouteSpec<Q, P, B, R>) {
  const querystring = z.strictObject((spec.query ?? {}) as Q);
  const params = spec.params ? z.object(spec.params) : undefined;
  const problems = new Set<ErrorStatus>([400, 429]);
  if (spec.access !== 'public') {
    problems.add(401);
    problems.add(403);
  }
  if (spec.body || spec.upload) {
    problems.add(413);
    problems.add(415);
  }
  if (hasLimit(querystring) || (params && hasLimit(params))) problems.add(413);
  if (params) problems.add(404);
  if (spec.queue) problems.add(503);
  for (const s of spec.errors ?? []) problems.add(s);

  const config: FastifyContextConfig = spec.access === 'public' ? { public: true } : { scopes: spec.access };
  const schema = {
    operationId: spec.operationId,
    tags: [...spec.tags],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.access === 'public' ? { security: [] } : {}),
    querystring,
    ...(params ? { params } : {}),
    ...(spec.body ? { body: spec.body } : {}),
    response: spec.response,
    ...(spec.upload ? { 'x-upload': spec.upload } : {}),
    ...(spec.documentedBody ? { 'x-body': spec.documentedBody } : {}),
    'x-problems': [...problems].sort(),
    'x-example': spec.example,
  } as unknown as {
    operationId: string;
    tags: string[];
    summary: string;
    querystring: z.ZodObject<Q, z.core.$strict>;
    params: P extends z.ZodRawShape ? z.ZodObject<P> : undefined;
    body: B;
    response: R;
  };
  return {
    config,
    schema,
    ...(spec.plain ? { serializerCompiler: () => (data: unknown) => JSON.stringify(data) } : {}),
  };
}
