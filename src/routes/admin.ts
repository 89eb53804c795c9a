import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeSchema } from '../auth/scopes.js';
import { route } from './define.js';

const keyInfo = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(scopeSchema),
  created_at: z.date(),
  revoked_at: z.date().nullable(),
  last_used_at: z
    .date()
    .nullable()
    .describe(
      'when a request (or a console sign-in) last used it, to within the 5 s the verified-key cache holds it; null: never',
    ),
  expires_at: z.date().nullable().describe('refused after this; null: no expiry'),
  replaced_by: z.string().nullable().describe('the key that replaced this one by rotation'),
  rotated_from: z.string().nullable().describe('the key this one replaced by rotation'),
  agent_id: z.string().nullable().describe('the agent an `agent` key belongs to; null for other keys'),
});

const expiresAt = z.iso
  .datetime({ offset: true })
  .optional()
  .describe('ISO 8601, in the future; default: none, or now + KEY_MAX_DAYS where that is set (a later one is refused)');

const created = z.object({
  id: z.string(),
  key: z.string().describe('the secret, shown only in this answer'),
  scopes: z.array(scopeSchema),
  expires_at: z.date().nullable(),
  agent_id: z.string().nullable().describe('the agent an `agent` key belongs to'),
});

const date = (s: string | undefined): Date | undefined => (s === undefined ? undefined : new Date(s));

/**
 * API key management (scope admin), every change audited (`api_key.create` / `.rotate` / `.revoke`).
 * The CLI (`kpi keys …`) does the same offline.
 */
const adminRoutes: FastifyPluginAsyncZod = async (app) => {
  const { keys, backups } = app.services;
  const admin = ['admin'] as const;

  app.post(
    '/keys',
    route({
      operationId: 'createApiKey',
      tags: ['admin'],
      summary: 'Create an API key; the key is returned once and stored only as a hash',
      access: admin,
      body: z.object({
        name: z.string().trim().min(1).max(100),
        scopes: z.array(scopeSchema).min(1),
        expires_at: expiresAt,
        agent_id: z
          .string()
          .min(1)
          .max(64)
          .optional()
          .describe(
            'the employee an `agent` key belongs to (required with the agent scope, which takes no other scope; refused without it)',
          ),
      }),
      response: { 201: created },
      example: {
        body: { name: 'scoring system', scopes: ['scorer'], expires_at: '2030-12-31T00:00:00Z' },
        response: {
          id: '5f2c9a1e7b30',
          key: 'kpi_5f2c9a1e7b30_3hV9qZ2mXf7LwR1tN8bC4yKd6sPa0uJe',
          scopes: ['scorer'],
          expires_at: '2030-12-31T00:00:00.000Z',
          agent_id: null,
        },
      },
    }),
    async (request, reply) =>
      reply.status(201).send(
        await keys.create(request.body.name, [...new Set(request.body.scopes)], {
          expiresAt: date(request.body.expires_at),
          actor: request.apiKey!.id,
          agentId: request.body.agent_id,
        }),
      ),
  );

  app.post(
    '/keys/:id/rotate',
    route({
      operationId: 'rotateApiKey',
      tags: ['admin'],
      summary:
        'Rotate an API key: a new key with the same name and scopes (returned once); the old one stays valid for the grace period (default KEY_ROTATION_GRACE, 24 h), then it and its console sessions are refused',
      access: admin,
      params: { id: z.string() },
      body: z
        .object({
          grace_seconds: z
            .number()
            .int()
            .min(0)
            .max(30 * 86_400)
            .optional()
            .describe('how long the old key stays valid; 0 ends it now'),
          expires_at: expiresAt,
        })
        .default({}),
      response: {
        201: created.extend({
          rotated_from: z.string(),
          old_expires_at: z.date().describe('the old key is refused from this instant'),
        }),
      },
      errors: [404, 409],
      example: {
        params: { id: '5f2c9a1e7b30' },
        body: { grace_seconds: 3600 },
        response: {
          id: '8d41b07c2e95',
          key: 'kpi_8d41b07c2e95_Q7mB2xLk9ZpT4vRn1cW8yHd3sFa6uJe0',
          scopes: ['scorer'],
          expires_at: null,
          agent_id: null,
          rotated_from: '5f2c9a1e7b30',
          old_expires_at: '2026-03-02T09:00:00.000Z',
        },
      },
    }),
    async (request, reply) =>
      reply.status(201).send(
        await keys.rotate(request.params.id, {
          graceMs: request.body.grace_seconds === undefined ? undefined : request.body.grace_seconds * 1000,
          expiresAt: date(request.body.expires_at),
          actor: request.apiKey!.id,
        }),
      ),
  );

  app.get(
    '/keys',
    route({
      operationId: 'listApiKeys',
      tags: ['admin'],
      summary: 'List API keys (never the keys themselves)',
      access: admin,
      response: { 200: z.array(keyInfo) },
      example: {
        response: [
          {
            id: '5f2c9a1e7b30',
            name: 'scoring system',
            scopes: ['scorer'],
            created_at: '2026-03-02T08:00:00.000Z',
            revoked_at: null,
            last_used_at: '2026-03-02T09:15:00.000Z',
            expires_at: null,
            replaced_by: null,
            rotated_from: null,
            agent_id: null,
          },
        ],
      },
    }),
    async () => keys.list(),
  );

  app.delete(
    '/keys/:id',
    route({
      operationId: 'revokeApiKey',
      tags: ['admin'],
      summary:
        'Revoke an API key: refused at once by this process (within 5 s by other processes), its console sessions ended at once',
      access: admin,
      params: { id: z.string() },
      response: { 204: z.null().describe('revoked') },
      errors: [404],
      example: { params: { id: '5f2c9a1e7b30' } },
    }),
    async (request, reply) => {
      await keys.revoke(request.params.id, request.apiKey!.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/backup',
    route({
      operationId: 'createBackup',
      tags: ['admin'],
      summary:
        'PGlite: a consistent copy of the whole database while the service runs, as a gzipped tar (restore it with `kpi restore FILE`, service stopped); audited. PostgreSQL: 409 naming pg_dump',
      description:
        'The copy is taken between transactions (writes wait for it), then opened in memory and its tables counted: `X-Backup-Counts` carries those counts (JSON), `X-Backup-Sha256` the archive’s SHA-256. On PostgreSQL use pg_dump / pg_restore (README "Backups").',
      access: admin,
      response: {
        200: {
          description: 'the gzipped tar of the PGlite data directory',
          content: { 'application/gzip': { schema: z.string().meta({ format: 'binary' }) } },
        },
      },
      errors: [409],
      example: { response: '(the bytes of kpi-backup-2026-03-02T08-00-00-000Z.tar.gz)' },
    }),
    async (request, reply) => {
      const b = await backups.create(request.apiKey!.id);
      return reply
        .type('application/gzip')
        .header('content-disposition', `attachment; filename="${b.filename}"`)
        .header('x-backup-sha256', b.sha256)
        .header('x-backup-counts', JSON.stringify(b.counts))
        .send(Buffer.from(b.archive.buffer, b.archive.byteOffset, b.archive.byteLength) as unknown as string);
    },
  );
};

export default adminRoutes;
