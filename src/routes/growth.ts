/**
 * Growth points (运营成长树): the catalogue of tasks, levels and rewards (HR), completions (HR or
 * imported), redemptions, corrections and revocations (HR), accounts, the ledger and its check, and
 * leaderboards per team. The rules: src/appraisal/README.md §4.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { catalogueSchema } from '../appraisal/growth.js';
import { page } from './components.js';
import { route, rowsBody } from './define.js';
import { CSV_TYPES, requestSource } from './ingest.js';

const HR = ['hr'] as const;
const READ = ['hr', 'cs_lead', 'scorer'] as const;
const num = z.number().int();
const id = z.string().trim().min(1).max(128);
const when = z.iso.datetime({ offset: true }).optional().describe('ISO 8601; default now');

const catalogueBody = catalogueSchema.meta({ id: 'GrowthCatalogue' });

const storedCatalogue = z.object({
  version: num,
  catalogue: z.looseObject({}).describe('tasks, levels and rewards as declared, defaults filled in'),
  actor: z.string().nullable(),
  created_at: z.date(),
});

const entry = z
  .object({
    id: z.string().describe('the caller’s id of the change: a retry with the same id answers this entry'),
    employee_id: z.string(),
    kind: z.enum(['earn', 'spend', 'adjust', 'revoke']),
    seq: num.describe('1, 2, 3… per person'),
    task_id: z.string().nullable(),
    reward_id: z.string().nullable(),
    revokes: z.string().nullable(),
    xp: num,
    points: num,
    xp_after: num,
    balance_after: num.describe('never below 0'),
    catalogue_version: num.nullable(),
    at: z.string(),
    by: z.string().nullable(),
    source: z.enum(['hr', 'import']).nullable(),
    reason: z.string().nullable(),
    actor: z.string().nullable().describe('the API key id that recorded it'),
    recorded_at: z.date(),
  })
  .meta({ id: 'GrowthLedgerEntry' });

const completionRow = z
  .object({
    id,
    employee_id: id,
    task_id: id,
    completed_at: when,
    by: id.optional().describe('who in HR confirmed it'),
    source: z.enum(['hr', 'import']).optional(),
  })
  .meta({ id: 'GrowthCompletionRow' });

const exampleCatalogue = {
  version: 1,
  tasks: [
    { id: 'sku_optimisation', name: 'SKU optimisation', xp: 30 },
    { id: 'page_redesign', name: 'Page redesign', xp: 120, points: 100, max_per_person: 1 },
  ],
  levels: [
    { level: 1, name: 'Seedling', min_xp: 0 },
    { level: 2, name: 'Sapling', min_xp: 100 },
    { level: 3, name: 'Tree', min_xp: 300 },
  ],
  rewards: [{ id: 'ad_test_priority', name: 'Priority for advertising-test traffic', cost: 80, min_level: 2 }],
};
const exampleEntry = {
  id: 'C-2026-0001',
  employee_id: 'E0003',
  kind: 'earn',
  seq: 1,
  task_id: 'page_redesign',
  reward_id: null,
  revokes: null,
  xp: 120,
  points: 100,
  xp_after: 120,
  balance_after: 100,
  catalogue_version: 1,
  at: '2026-10-20T02:00:00.000Z',
  by: 'hr-li',
  source: 'hr',
  reason: null,
  actor: 'k_3f9a2c',
  recorded_at: '2026-10-20T02:00:01.000Z',
};
const exampleSecond = {
  ...exampleEntry,
  id: 'C-2026-0002',
  seq: 2,
  task_id: 'sku_optimisation',
  xp: 30,
  points: 30,
  xp_after: 150,
  balance_after: 130,
};
const exampleSpend = {
  ...exampleEntry,
  id: 'X-2026-0001',
  kind: 'spend',
  seq: 3,
  task_id: null,
  reward_id: 'ad_test_priority',
  xp: 0,
  points: -80,
  xp_after: 150,
  balance_after: 50,
  source: null,
};

const growthRoutes: FastifyPluginAsyncZod = async (app) => {
  const { appraisal } = app.services;

  app.put(
    '/growth/catalogue',
    route({
      operationId: 'saveGrowthCatalogue',
      tags: ['growth'],
      summary: 'Declare a version of the growth catalogue: tasks with XP and points, levels by XP, rewards with a cost',
      description:
        'Versions never change: the same version again answers 200, with other content 409. Entries keep the XP and points a task had when they were recorded, so a new version never rewrites history. The rules between fields (ids unique, levels 1, 2, 3… from 0 XP and rising, a reward’s level existing) are a 422 `invalid_catalogue` naming each field.',
      access: HR,
      body: catalogueBody,
      response: { 200: storedCatalogue, 201: storedCatalogue },
      errors: [409, 422],
      example: {
        body: exampleCatalogue,
        response: {
          version: 1,
          catalogue: exampleCatalogue,
          actor: 'k_3f9a2c',
          created_at: '2026-10-01T00:00:00.000Z',
        },
      },
    }),
    async (request, reply) => {
      const { catalogue, created } = await appraisal.saveCatalogue(request.body, request.apiKey?.id ?? null);
      return reply.status(created ? 201 : 200).send(catalogue);
    },
  );

  app.get(
    '/growth/catalogue',
    route({
      operationId: 'getGrowthCatalogue',
      tags: ['growth'],
      summary: 'The growth catalogue in force (its latest version)',
      access: READ,
      response: { 200: storedCatalogue },
      errors: [404],
      example: {
        response: {
          version: 1,
          catalogue: exampleCatalogue,
          actor: 'k_3f9a2c',
          created_at: '2026-10-01T00:00:00.000Z',
        },
      },
    }),
    async () => appraisal.catalogue(),
  );

  app.post(
    '/growth/completions',
    route({
      operationId: 'recordGrowthCompletions',
      tags: ['growth'],
      summary:
        'Record task completions (JSON rows or CSV with header id,employee_id,task_id,completed_at,by,source): +XP and +points; all-or-nothing',
      description:
        'Each row carries the caller’s id of the completion: a retry with the same id and content answers the first entry (counted in `retried`), with other content it is a row error. A task done as often as it may be (`limit_reached`), an unknown task or employee, are row errors naming the field; nothing is written then.',
      access: HR,
      upload: {
        json: rowsBody(completionRow),
        text: {
          types: CSV_TYPES,
          description: 'CSV with the header id,employee_id,task_id,completed_at,by,source (UTF-8 or charset=gbk)',
        },
      },
      response: {
        200: z.object({ received: num, recorded: num, retried: num, entries: z.array(entry) }),
      },
      errors: [422],
      example: {
        body: [
          {
            id: 'C-2026-0001',
            employee_id: 'E0003',
            task_id: 'page_redesign',
            completed_at: '2026-10-20T10:00:00+08:00',
            by: 'hr-li',
          },
          {
            id: 'C-2026-0002',
            employee_id: 'E0003',
            task_id: 'sku_optimisation',
            completed_at: '2026-10-20T10:00:00+08:00',
            by: 'hr-li',
          },
        ],
        text: 'id,employee_id,task_id,completed_at,by,source\nC-2026-0001,E0003,page_redesign,2026-10-20T10:00:00+08:00,hr-li,hr\nC-2026-0002,E0003,sku_optimisation,2026-10-20T10:00:00+08:00,hr-li,hr\n',
        response: { received: 2, recorded: 2, retried: 0, entries: [exampleEntry, exampleSecond] },
      },
    }),
    async (request) => appraisal.recordCompletions(requestSource(request), request.apiKey?.id ?? null),
  );

  const changeRoute = (
    path: string,
    operationId: string,
    summary: string,
    change: 'redemption' | 'adjustment' | 'revocation',
    body: z.ZodObject,
    example: { body: Record<string, unknown>; response: Record<string, unknown> },
  ) =>
    app.post(
      path,
      route({
        operationId,
        tags: ['growth'],
        summary,
        description:
          'The points balance never goes below 0: a change that would take it there is refused (409 `insufficient_points`, with the balance and the amount needed) and nothing changes. The same id again with the same content answers the first entry (200); a new entry answers 201.',
        access: HR,
        body,
        response: { 200: entry, 201: entry },
        errors: [404, 409, 422],
        example,
      }),
      async (request, reply) => {
        const r = await appraisal.recordChange(
          change,
          request.body as Record<string, unknown>,
          request.apiKey?.id ?? null,
        );
        return reply.status(r.duplicate ? 200 : 201).send(r.entry);
      },
    );

  changeRoute(
    '/growth/redemptions',
    'redeemGrowthReward',
    'Spend points on a reward (level and stock checked)',
    'redemption',
    z.object({ id, employee_id: id, reward_id: id, at: when, by: id.optional() }).strict(),
    {
      body: { id: 'X-2026-0001', employee_id: 'E0003', reward_id: 'ad_test_priority', by: 'hr-li' },
      response: exampleSpend,
    },
  );
  changeRoute(
    '/growth/adjustments',
    'adjustGrowthPoints',
    'Correct a person’s points (±) with a reason',
    'adjustment',
    z
      .object({
        id,
        employee_id: id,
        points: num.describe('added (+) or removed (−)'),
        reason: z.string().min(3).max(500),
        at: when,
        by: id.describe('who in HR made the correction'),
      })
      .strict(),
    {
      body: { id: 'A-2026-0001', employee_id: 'E0003', points: 10, reason: 'mentored the new hires', by: 'hr-li' },
      response: {
        ...exampleEntry,
        id: 'A-2026-0001',
        kind: 'adjust',
        seq: 4,
        task_id: null,
        xp: 0,
        points: 10,
        xp_after: 150,
        balance_after: 60,
        catalogue_version: null,
        source: null,
        reason: 'mentored the new hires',
      },
    },
  );
  changeRoute(
    '/growth/revocations',
    'revokeGrowthCompletion',
    'Undo a completion recorded in error (−its XP and points; refused when the points were spent)',
    'revocation',
    z.object({ id, completion_id: id, reason: z.string().min(3).max(500), at: when, by: id }).strict(),
    {
      body: { id: 'V-2026-0001', completion_id: 'C-2026-0002', reason: 'recorded twice', by: 'hr-li' },
      response: {
        ...exampleEntry,
        id: 'V-2026-0001',
        kind: 'revoke',
        seq: 5,
        task_id: 'sku_optimisation',
        revokes: 'C-2026-0002',
        xp: -30,
        points: -30,
        xp_after: 120,
        balance_after: 0,
        catalogue_version: null,
        source: null,
        reason: 'recorded twice',
      },
    },
  );

  app.get(
    '/growth/accounts/:employee_id',
    route({
      operationId: 'getGrowthAccount',
      tags: ['growth'],
      summary: 'A person’s XP, level (and what the next needs), points balance and entries',
      access: READ,
      params: { employee_id: z.string().max(128) },
      response: {
        200: z.object({
          employee_id: z.string(),
          xp: num,
          balance: num,
          entries: num,
          level: z
            .object({
              level: num,
              name: z.string(),
              min_xp: num,
              next: z.object({ level: num, name: z.string(), min_xp: num, xp_to_go: num }).nullable(),
            })
            .nullable(),
        }),
      },
      example: {
        params: { employee_id: 'E0003' },
        response: {
          employee_id: 'E0003',
          xp: 120,
          balance: 30,
          entries: 5,
          level: {
            level: 2,
            name: 'Sapling',
            min_xp: 100,
            next: { level: 3, name: 'Tree', min_xp: 300, xp_to_go: 180 },
          },
        },
      },
    }),
    async (request) => appraisal.account(request.params.employee_id),
  );

  app.get(
    '/growth/ledger',
    route({
      operationId: 'listGrowthLedger',
      tags: ['growth'],
      summary: 'Ledger entries in the order they were recorded, with who recorded them (append-only)',
      access: READ,
      query: { employee_id: z.string().optional(), ...page({ max: 1000, default: 100 }) },
      response: { 200: z.array(entry) },
      example: { query: { employee_id: 'E0003' }, response: [exampleEntry, exampleSecond, exampleSpend] },
    }),
    async (request) => appraisal.ledger(request.query),
  );

  app.get(
    '/growth/ledger/check',
    route({
      operationId: 'checkGrowthLedger',
      tags: ['growth'],
      summary: 'Re-check the whole ledger: sequences, balances following each other, never below 0, unique ids',
      access: HR,
      response: { 200: z.object({ entries: num, problems: z.array(z.string()).describe('empty when sound') }) },
      example: { response: { entries: 5, problems: [] } },
    }),
    async () => appraisal.checkLedger(),
  );

  app.get(
    '/growth/leaderboard',
    route({
      operationId: 'getGrowthLeaderboard',
      tags: ['growth'],
      summary: 'XP leaderboard, of everyone or one team; equal XP share a rank (1, 1, 3)',
      access: READ,
      query: { team: z.string().optional() },
      response: {
        200: z.object({
          team: z.string().nullable(),
          catalogue_version: num.nullable(),
          rows: z.array(
            z.object({
              rank: num,
              employee_id: z.string(),
              team: z.string().nullable(),
              xp: num,
              level: num,
              balance: num,
            }),
          ),
        }),
      },
      example: {
        query: { team: '客服-售前-2' },
        response: {
          team: '客服-售前-2',
          catalogue_version: 1,
          rows: [{ rank: 1, employee_id: 'E0003', team: '客服-售前-2', xp: 120, level: 2, balance: 30 }],
        },
      },
    }),
    async (request) => appraisal.leaderboard(request.query.team),
  );
};

export default growthRoutes;
