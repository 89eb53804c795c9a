/**
 * The `train_aspects` job (issue 18, part 4) on both backends: a stored correction becomes a training
 * row of the job's run; the trained model is a candidate (kind `aspects`) with per-aspect P/R/F1 on the
 * dev part; progress comes from the training thread and a cancel ends it with nothing registered; the
 * shadow comparison gives both versions' F1 and the agents that would move; a promote
 * makes the engine use it and rescores the stored reviews (no sentiment version changed); a rollback
 * brings the shipped model back. Training uses the job's small options (300 weak rows, 2 epochs,
 * 2 folds, no hand labels on train.csv): a weak model, quick enough for a test. The other settings
 * are the recipe of the model it would replace (the active version's `training` block; before any is
 * registered, the repository's metadata.json); an override wins, a bad one is a 400 naming it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { processorRegistry } from '../../src/jobs/index.js';
import { jobRecipe, trainAspectsData } from '../../src/jobs/processors/train-aspects.js';
import { correctionTrainingRows } from '../../src/reviews/corrections-store.js';
import { ASPECTS_KIND, registerShippedAspects } from '../../src/registry/aspects.js';
import { activeModelsFor } from '../../src/registry/active.js';
import { getActive } from '../../src/registry/index.js';
import { scoreStoredReviews } from '../../src/reviews/scoring.js';
import { correctionItems, DEFAULT_DATA_DIR } from '../../src/reviews/sentiment/aspect-data.js';
import { type AspectTrainSettings, labelledRows } from '../../src/reviews/sentiment/aspect-pipeline.js';
import { aspectRecipe } from '../../src/reviews/sentiment/aspect-recipe.js';
import { ASPECT_ORDER } from '../../src/reviews/sentiment/aspects.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { Browser } from '../web/session.js';
import { describeEachBackend } from '../helpers/db.js';
import { addAgents, addScoredReviews } from '../ratings/helpers.js';

const haveData = existsSync(DEFAULT_DATA_DIR);
const TEXTS = [
  'The support rep was rude and hung up on me.',
  'Nobody answered my emails for two weeks.',
  'Customer service was friendly and quick to help.',
  'The package arrived late and the box was crushed.',
  'They refunded me right away, great service.',
  'Cheap price but the quality is poor.',
];

describeEachBackend('train_aspects job', (get) => {
  let t: TestApp;
  const config = loadConfig({ KPI_DATA_DIR: '/tmp/kpi-test-unused', LOG_LEVEL: 'silent' });
  let shipped: string;
  let candidate: string;
  let unregistered: Awaited<ReturnType<typeof jobRecipe>>;
  const fileRecipe = (lang: string) =>
    aspectRecipe(JSON.parse(readFileSync(join(config.modelsDir, `aspects-${lang}`, 'metadata.json'), 'utf8')));
  beforeAll(async () => {
    const { db } = get();
    t = await buildTestApp(db, {}, false, processorRegistry());
    unregistered = await jobRecipe(db, config.modelsDir, trainAspectsData.parse({ language: 'en' }));
    await registerShippedAspects(db, config.modelsDir);
    shipped = (await getActive(db, ASPECTS_KIND, 'en'))!.id;
    await addAgents(db, ['ta1', 'ta2'], 'cs_agent', 'aspects');
    await addScoredReviews(
      db,
      TEXTS.flatMap((text, i) =>
        ['ta1', 'ta2'].map((agent, k) => ({
          id: `ta-${agent}-${i}`,
          agent,
          created: `2026-03-${String(2 + i + k).padStart(2, '0')}T03:00:00Z`,
          p: 0.5,
          text,
          language: 'en',
          model: null,
        })),
      ),
    );
    await scoreStoredReviews(db, await activeModelsFor(db, config).sentiment({ fresh: true }));
  });
  afterAll(async () => {
    await t?.app.close();
  });

  const post = (url: string, payload: object, scope: 'cs_lead' | 'admin' = 'admin') =>
    t.app.inject({ method: 'POST', url, headers: t.auth(scope), payload });
  /** The job once completed, with every job it fanned out into. */
  async function finished(id: string, waitMs = 240_000): Promise<{ state: string; result: Record<string, unknown> }> {
    for (let waited = 0; waited < waitMs; waited += 200) {
      const job = (await t.app.inject({ url: `/v1/jobs/${id}`, headers: t.auth('admin') })).json();
      // a rescore plans chunk jobs: it is done when they are
      const children = job.children as { total: number; completed?: number; failed?: number } | undefined;
      if (children?.failed) throw new Error(`job ${id}: ${children.failed} of its jobs failed`);
      if (job.state === 'completed' && (!children || children.completed === children.total)) return job;
      if (job.state === 'failed' || job.state === 'cancelled') throw new Error(JSON.stringify(job));
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`job ${id} still running after ${waitMs} ms`);
  }
  const aspectModels = async () =>
    (
      await get().db.query<{ m: string }>(`select distinct aspects_model as m from reviews where id like 'ta-%'`)
    ).rows.map((r) => r.m);

  it('with no overrides, a job trains with the recipe of the model it would replace', async () => {
    const { db } = get();
    // none registered: the repository's metadata.json
    expect(unregistered).toEqual({
      settings: fileRecipe('en'),
      recipe: { from: join(config.modelsDir, 'aspects-en', 'metadata.json'), overrides: {} },
    });
    for (const lang of ['en', 'zh'] as const) {
      const active = (await getActive(db, ASPECTS_KIND, lang))!;
      const { settings, recipe } = await jobRecipe(db, config.modelsDir, trainAspectsData.parse({ language: lang }));
      expect(recipe).toEqual({ from: active.id, overrides: {} });
      expect(settings).toEqual(aspectRecipe(active.metadata));
      expect(settings).toEqual(fileRecipe(lang));
    }
    const zh = await jobRecipe(db, config.modelsDir, trainAspectsData.parse({ language: 'zh' }));
    expect(zh.settings).toMatchObject({
      trainLabelsLimit: 773,
      serviceHead: true,
      serviceHeadL2: [0.01],
      serviceHeadWeak: 1,
      weakIntent: 'unknown',
      complaintRecall: 0.82,
      complaintHead: true,
      complaintHeadL2: [3e-6],
    });
    // an override wins; `train_labels_limit: null` reads every hand label; `weak_intent: 'kept'` keeps them
    const over = await jobRecipe(
      db,
      config.modelsDir,
      trainAspectsData.parse({
        language: 'zh',
        complaint_recall: 0.8,
        service_head: false,
        train_labels_limit: null,
        weak_intent: 'kept',
        complaint_head: false,
        complaint_head_l2: [1e-5],
      }),
    );
    expect(over.settings).toEqual({
      ...zh.settings,
      complaintRecall: 0.8,
      serviceHead: false,
      complaintHead: false,
      complaintHeadL2: [1e-5],
      weakIntent: false,
      trainLabelsLimit: undefined,
    } satisfies AspectTrainSettings);
    expect(over.settings).not.toHaveProperty('trainLabelsLimit');
    expect(over.recipe.overrides).toEqual({
      complaint_recall: 0.8,
      service_head: false,
      train_labels_limit: null,
      weak_intent: 'kept',
      complaint_head: false,
      complaint_head_l2: [1e-5],
    });
  });

  it('a bad override is a 400 naming the field', async () => {
    for (const [data, field] of [
      [{ complaint_recall: 1.5 }, 'complaint_recall'],
      [{ service_head_rows: 'some' }, 'service_head_rows'],
      [{ service_head_l2: [] }, 'service_head_l2'],
      [{ complaint_head_l2: [2] }, 'complaint_head_l2'],
      [{ polarity_min_clauses: 2.5 }, 'polarity_min_clauses'],
      [{ service_head_l3: [0.01] }, 'service_head_l3'],
    ] as const) {
      const r = await post('/v1/jobs', { kind: 'train_aspects', data: { language: 'en', ...data } }, 'cs_lead');
      expect(r.statusCode, r.body).toBe(400);
      expect(r.body).toContain(field);
    }
  });

  it.skipIf(!haveData)(
    'trains on a stored correction and registers a candidate with per-aspect figures on dev',
    async () => {
      const { db } = get();
      expect(await aspectModels()).toEqual([shipped]);
      const corrected = await post(
        '/v1/reviews/ta-ta1-2/corrections',
        {
          aspects: [{ aspect: 'response_speed', polarity: 'negative' }],
          reason: 'the customer waited a day for a reply',
        },
        'cs_lead',
      );
      expect(corrected.statusCode, corrected.body).toBe(201);
      const correctionId = `correction-${corrected.json().correction.id}`;
      // the export the job reads turns the correction into rows labelled with its aspect
      const items = correctionItems(await correctionTrainingRows(db, { language: 'en' }), 'en');
      expect(items.map((i) => [i.id, i.aspects])).toEqual([[correctionId, { response_speed: 'negative' }]]);
      const rows = labelledRows(items);
      expect(rows.labels.some((l) => l[ASPECT_ORDER.indexOf('response_speed')] === 1)).toBe(true);

      const bad = await post('/v1/jobs', { kind: 'train_aspects', data: { language: 'fr' } }, 'cs_lead');
      expect(bad.statusCode).toBe(400);
      const submitted = await post(
        '/v1/jobs',
        {
          kind: 'train_aspects',
          data: { language: 'en', weak: 300, epochs: 2, folds: 2, train_labels: false, complaint_recall: 0.9 },
        },
        'cs_lead',
      );
      expect(submitted.statusCode, submitted.body).toBe(202);
      const job = await finished(submitted.json().id);
      candidate = job.result.version as string;
      expect(candidate).toMatch(/^aspects-en@/);
      const v = (
        await t.app.inject({ url: `/v1/models/${encodeURIComponent(candidate)}`, headers: t.auth('admin') })
      ).json();
      expect(v).toMatchObject({ kind: 'aspects', scope: 'en', status: 'candidate' });
      expect(v.metrics.evaluated_on).toBe('dev part, out of fold');
      expect(Object.keys(v.metrics.per_aspect).sort()).toEqual([...ASPECT_ORDER].sort());
      for (const f of Object.values(v.metrics.per_aspect) as { precision: number; recall: number; f1: number }[])
        for (const x of [f.precision, f.recall, f.f1]) expect(x).toBeGreaterThanOrEqual(0);
      expect(v.metrics.agent_f1).toBeGreaterThan(0);
      expect(v.metadata.training.corrections).toMatchObject({
        items: 1,
        labels: [{ id: correctionId, aspects: { response_speed: 'negative' } }],
      });
      expect(v.data_range).toMatchObject({ corrections: 1 });
      // the recipe of the shipped en model with the job's overrides on top, and where it started
      expect(v.metadata.training.recipe).toEqual({
        from: shipped,
        overrides: { weak: 300, epochs: 2, folds: 2, train_labels: false, complaint_recall: 0.9 },
      });
      expect(aspectRecipe(v.metadata)).toEqual({
        ...fileRecipe('en'),
        weak: 300,
        epochs: 2,
        folds: 2,
        trainLabels: false,
        trainLabelsLimit: undefined,
        // without hand labels it read no own texts (the shipped model read the file's 162)
        ownTextsLimit: undefined,
        complaintRecall: 0.9,
      });
      expect(v.metadata.training).toMatchObject({ complaintRecall: 0.9, polarityMinClauses: 50 });
    },
    300_000,
  );

  it.skipIf(!haveData)(
    'reports progress from the training thread; cancelled, it ends the thread and registers nothing',
    async () => {
      const submitted = await post(
        '/v1/jobs',
        { kind: 'train_aspects', data: { language: 'en', weak: 3000, epochs: 6, folds: 3, train_labels: false } },
        'cs_lead',
      );
      expect(submitted.statusCode, submitted.body).toBe(202);
      const id = submitted.json().id as string;
      const read = async () => (await t.app.inject({ url: `/v1/jobs/${id}`, headers: t.auth('cs_lead') })).json();
      let job = await read();
      for (let waited = 0; waited < 120_000 && !(job.state === 'active' && job.progress.percent > 5); waited += 100) {
        expect(job.state).not.toBe('completed');
        await new Promise((r) => setTimeout(r, 100));
        job = await read();
      }
      expect(job.progress.stage).toMatch(/aspects epoch|fold|weak rows|corrections|hand labels/);
      const cancel = await t.app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: t.auth('cs_lead') });
      expect(cancel.statusCode, cancel.body).toBe(200);
      for (let waited = 0; waited < 30_000 && job.state === 'active'; waited += 100) {
        await new Promise((r) => setTimeout(r, 100));
        job = await read();
      }
      expect(job.state).toBe('cancelled');
      const registered = await get().db.query(`select id from model_versions where job_id = $1`, [id]);
      expect(registered.rows).toEqual([]);
    },
    300_000,
  );

  it.skipIf(!haveData)(
    'the shadow comparison gives both versions’ F1 and the agents whose rating would move',
    async () => {
      const r = await post(`/v1/models/${encodeURIComponent(candidate)}/compare`, { threshold: 0 });
      expect(r.statusCode, r.body).toBe(202);
      const report = (await finished(r.json().id)).result;
      expect(report).toMatchObject({ kind: 'aspects', scope: 'en', candidate, active: shipped });
      expect(report.compared).toBe(TEXTS.length * 2);
      const evaluation = report.evaluation as {
        n: number;
        active: Record<string, number>;
        candidate: Record<string, number>;
      };
      expect(evaluation.n).toBeGreaterThan(100);
      expect(evaluation.active.agent_f1).toBeGreaterThan(0);
      expect(typeof evaluation.candidate.agent_f1).toBe('number');

      const moved = report.moved as { id: string; delta: number }[];
      expect(moved.length).toBe(report.moved_count);
      for (const m of moved) expect(['ta1', 'ta2']).toContain(m.id);
      const stored = (
        await t.app.inject({ url: `/v1/models/${encodeURIComponent(candidate)}`, headers: t.auth('admin') })
      ).json();
      expect(stored.metadata.shadow.evaluation.candidate.agent_f1).toBe(evaluation.candidate.agent_f1);

      // the console shows it as it shows sentiment's: the version's agent F1 on /models, the report on /models/report
      const admin = new Browser(t);
      await admin.signIn(t.keys.admin);
      const list = await admin.get('/models?kind=aspects');
      expect(list.statusCode, list.body).toBe(200);
      expect(list.body).toContain(`客服维度 F1 ${Number(stored.metrics.agent_f1).toFixed(3)}`);
      expect(list.body).toContain(`href="/models/report?id=${encodeURIComponent(candidate)}"`);
      const page = await admin.get(`/models/report?id=${encodeURIComponent(candidate)}`);
      expect(page.statusCode, page.body).toBe(200);
      expect(page.body).toContain('<th scope="col" class="num">agent_f1</th>');
      expect(page.body).toMatch(
        new RegExp(
          `<tr data-version="candidate"><th scope="row">[^<]+</th><td class="num">${evaluation.candidate.agent_f1!.toFixed(4)}</td>`,
        ),
      );
      expect([...page.body.matchAll(/<tr data-moved="([^"]+)">/g)].map((m) => m[1])).toEqual(moved.map((m) => m.id));
    },
    300_000,
  );

  it.skipIf(!haveData)(
    'a promote makes the engine use it and rescores the reviews; a rollback brings the shipped model back',
    async () => {
      const { db } = get();
      const active = activeModelsFor(db, config);
      const promoted = await post(`/v1/models/${encodeURIComponent(candidate)}/promote`, { reason: 'test' });
      expect(promoted.statusCode, promoted.body).toBe(200);
      expect(promoted.json()).toMatchObject({ id: candidate, status: 'active' });
      expect((await active.sentiment({ fresh: true })).aspectVersions.en).toBe(candidate);
      await finished(promoted.json().rescore_job);
      expect(await aspectModels()).toEqual([candidate]);

      const back = await post('/v1/models/aspects/en/rollback', { reason: 'test' });
      expect(back.statusCode, back.body).toBe(200);
      expect(back.json()).toMatchObject({ id: shipped, status: 'active' });
      expect((await active.sentiment({ fresh: true })).aspectVersions.en).toBe(shipped);
      await finished(back.json().rescore_job);
      expect(await aspectModels()).toEqual([shipped]);
    },
    300_000,
  );
});
