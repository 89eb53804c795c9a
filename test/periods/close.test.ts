/**
 * Closed appraisal periods (issue 25): a closed role and period answers from its snapshot, whatever
 * is recomputed afterwards; the differences since close list what moved; reopen → close makes version
 * 2 while version 1 reads the same; closing twice is one close; a close racing a write freezes one state.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { trainBaselinesProcessor } from '../../src/kpi/train.js';
import { readWorkbook } from '../../src/lib/spreadsheet.js';
import { buildTestApp, type TestApp, trainBaselines } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';

const ROLE = 'cs_agent';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const RATING = `insert into agent_ratings (agent_id, period, period_kind, period_start, role_id, reviews, unscored, n, positive, not_attributable,
   aspect_n, aspect_positive, other_mentions, other_negative, sentiment_models,
   negative_reviews, negative_replied_24h, negative_late, negative_pending, returns, returns_closed_48h, returns_late, returns_pending,
   prior_alpha, prior_beta, prior_method, posterior_mean, ci_low, ci_high, min_reviews, rating_model)
 values ($1, $2, 'quarter', $3, $4, 30, 0, 25, 20, 5, '{20,5,0}', '{16,4,0}', '{0,0,0,0}', '{0,0,0,0}', '{}',
   4, 3, 1, 0, 0, 0, 0, 0, 8, 2, 'moments', 0.8, 0.65, 0.9, 10, 'test-rating')`;

describeEachBackend('closed periods', (get) => {
  let t: TestApp;
  let someone = '';
  const read = async (url: string, scope: 'hr' | 'scorer' | 'admin' = 'hr') => {
    const r = await t.app.inject({ url, headers: t.auth(scope) });
    expect(r.statusCode, `${url}: ${r.body.slice(0, 300)}`).toBe(200);
    return r.body;
  };
  const send = (method: 'POST' | 'PUT', url: string, payload: object) =>
    t.app.inject({ method, url, headers: t.auth('hr'), payload });

  const train = (body: object) => trainBaselines(t, body);

  beforeAll(async () => {
    const { db } = get();
    await loadDemo(db, { people: 10 });
    t = await buildTestApp(
      db,
      { JOB_THREADS: 'false', FORECAST_THREAD: 'false', LOG_LEVEL: process.env.DBG ? 'error' : 'silent' },
      process.env.DBG ? { level: 'error' } : false,
      {
        train_baselines: trainBaselinesProcessor as never,
      },
    );
    await train({ role: ROLE, metric: 'csat', kind: 'month', network: false });
    someone = (
      await db.query<{ id: string }>(`select id from employees where role_id = $1 order by id limit 1`, [ROLE])
    ).rows[0]!.id;
    await db.query(RATING, [someone, '2026-Q3', '2026-07-01', ROLE]);
    await db.query(RATING, [someone, '2026-Q4', '2026-10-01', ROLE]);
  }, 300_000);
  afterAll(async () => {
    await t?.app.close();
  });

  const q3 = `/v1/kpi-inputs?period=2026-Q3&role=${ROLE}`;
  const q4 = `/v1/kpi-inputs?period=2026-Q4&role=${ROLE}`;
  const targetsQ3 = `/v1/targets?role=${ROLE}&period=2026-Q3`;
  const ratingsQ3 = `/v1/ratings?period=2026-Q3&role=${ROLE}`;

  it('close → recomputes → Q3 byte-identical, Q4 moved, differences listed; overrides refused', async () => {
    const open = JSON.parse(await read(q3, 'scorer'));
    expect(open.closed).toBeUndefined();
    const closed = await send('POST', `/v1/periods/${ROLE}/2026-Q3/close`, { reason: 'Q3 signed off' });
    expect(closed.statusCode, closed.body).toBe(200);
    const snap = closed.json().snapshot;
    expect(closed.json().created).toBe(true);
    expect(snap).toMatchObject({ role_id: ROLE, period: '2026-Q3', version: 1, state: 'closed' });
    expect(Object.keys(snap.hashes).sort()).toEqual(['kpi_inputs', 'ratings', 'targets', 'weight_profile']);
    expect(Object.keys(snap.models).length).toBeGreaterThan(0);
    // closing twice answers the same snapshot, nothing new written
    const again = await send('POST', `/v1/periods/${ROLE}/2026-Q3/close`, { reason: 'Q3 signed off' });
    expect(again.json()).toMatchObject({ created: false, snapshot: { version: 1, closed_at: snap.closed_at } });
    // the quarter froze its three months with it (migration 017), nothing else
    const rows = await get().db.query<{ period: string; within: string | null }>(
      `select period, within from period_snapshots order by period`,
    );
    expect(rows.rows).toEqual([
      { period: '2026-07', within: '2026-Q3' },
      { period: '2026-08', within: '2026-Q3' },
      { period: '2026-09', within: '2026-Q3' },
      { period: '2026-Q3', within: null },
    ]);

    const inputs = await read(q3, 'scorer');
    const parsed = JSON.parse(inputs);
    expect(parsed.closed).toMatchObject({ role: ROLE, version: 1, closed_at: new Date(snap.closed_at).toISOString() });
    expect(parsed.people).toEqual(open.people);
    // the role has no quarterly metric model: the targets of Q3 froze as that problem, answered the same
    const targetsAt = async () => {
      const r = await t.app.inject({ url: targetsQ3, headers: t.auth('hr') });
      return `${r.statusCode} ${r.body}`;
    };
    const targets = await targetsAt();
    expect(targets).toMatch(/^404 .*no_model/);
    // the months of the closed quarter answer from their snapshots too; October (Q4) stays live
    const [monthTargets, septInputs, octTargets] = [
      await read(`/v1/targets?role=${ROLE}&period=2026-09`),
      await read(`/v1/kpi-inputs?period=2026-09&role=${ROLE}`, 'scorer'),
      await read(`/v1/targets?role=${ROLE}&period=2026-10`),
    ];
    expect(JSON.parse(monthTargets).closed).toMatchObject({ version: 1 });
    const yearBefore = await read(`/v1/kpi-inputs?period=2026&role=${ROLE}`, 'scorer');
    const [ratings, q4Before] = [await read(ratingsQ3, 'scorer'), await read(q4, 'scorer')];
    expect(JSON.parse(ratings).closed.version).toBe(1);

    // what moves afterwards: history of Q3 and Q4, the ratings (as a rescore after a sentiment
    // promotion or a correction rewrites them), and a retrained, promoted baseline model
    const history = await send('POST', '/v1/history', [
      { employee_id: someone, metric_id: 'csat', period: '2026-08', value: 0.31 },
      { employee_id: someone, metric_id: 'csat', period: '2026-11', value: 0.33 },
    ]);
    expect(history.statusCode, history.body).toBe(200);
    await get().db.query(`update agent_ratings set posterior_mean = 0.5, ci_low = 0.3 where agent_id = $1`, [someone]);
    await train({ role: ROLE, metric: 'csat', kind: 'month', network: false, steps: 50, promote: true });

    expect(sha(await read(q3, 'scorer'))).toBe(sha(inputs));
    expect(await targetsAt()).toBe(targets);
    // a month of the closed quarter stays as it was; an open month's targets follow the retrained model
    expect(sha(await read(`/v1/targets?role=${ROLE}&period=2026-09`))).toBe(sha(monthTargets));
    expect(sha(await read(`/v1/kpi-inputs?period=2026-09&role=${ROLE}`, 'scorer'))).toBe(sha(septInputs));
    expect(sha(await read(`/v1/targets?role=${ROLE}&period=2026-10`))).not.toBe(sha(octTargets));
    // the year reads its closed quarter from the snapshot: Q3's composite is the frozen one, Q4's moved
    const year = JSON.parse(await read(`/v1/kpi-inputs?period=2026&role=${ROLE}`, 'scorer'));
    const yearWas = JSON.parse(yearBefore);
    const quarterOf = (y: typeof year, q: string) =>
      y.people
        .find((p: { employee_id: string }) => p.employee_id === someone)
        .quarters.find((x: { period: string }) => x.period === q);
    expect(quarterOf(year, '2026-Q3')).toEqual(quarterOf(yearWas, '2026-Q3'));
    expect(quarterOf(year, '2026-Q3').score).toBe(
      parsed.people.find((p: { employee_id: string }) => p.employee_id === someone).composite.score,
    );
    expect(quarterOf(year, '2026-Q4')).not.toEqual(quarterOf(yearWas, '2026-Q4'));
    expect(sha(await read(ratingsQ3, 'scorer'))).toBe(sha(ratings));
    expect(sha(await read(q4, 'scorer'))).not.toBe(sha(q4Before));
    // the closed role's people within a read of every role come from the snapshot too
    const everyone = JSON.parse(await read('/v1/kpi-inputs?period=2026-Q3&limit=1000', 'scorer'));
    expect(everyone.closed_roles.map((c: { role: string }) => c.role)).toEqual([ROLE]);
    expect(everyone.people.find((p: { employee_id: string }) => p.employee_id === someone)).toEqual(
      parsed.people.find((p: { employee_id: string }) => p.employee_id === someone),
    );

    const diff = JSON.parse(await read(`/v1/periods/${ROLE}/2026-Q3/differences`));
    expect(diff.version).toBe(1);
    expect(diff.counts.kpi_inputs).toBeGreaterThan(0);
    expect(diff.counts.ratings).toBeGreaterThan(0);
    expect(diff.differences.some((d: { path: string }) => d.path.includes(`people[${someone}]`))).toBe(true);

    const refused = await send('PUT', '/v1/targets/overrides', {
      role: ROLE,
      metric: 'csat',
      period: '2026-Q3',
      employee_id: someone,
      value: 0.9,
      reason: 'after the close',
    });
    expect(refused.statusCode, refused.body).toBe(409);
    const audit = await t.app.inject({ url: '/v1/audit?action=period.close', headers: t.auth('hr') });
    expect(
      audit
        .json()
        .entries.map((e: { period: string }) => e.period)
        .sort(),
    ).toEqual(['2026-07', '2026-08', '2026-09', '2026-Q3']);
  }, 300_000);

  it('exports the closed period for payroll (CSV with BOM, XLSX): the snapshot’s figures, version and checksums', async () => {
    const frozenText = await read(`/v1/periods/${ROLE}/2026-Q3/snapshot?part=kpi_inputs`, 'scorer');
    const frozen = JSON.parse(frozenText);
    const csv = await t.app.inject({ url: `/v1/periods/${ROLE}/2026-Q3/payroll?format=csv`, headers: t.auth('hr') });
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toContain(`payroll-${ROLE}-2026-Q3-v1.csv`);
    expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    // the checksum verifies the bytes; the snapshot's checksum verifies the frozen text the rows come from
    expect(csv.headers['x-checksum-sha256']).toBe(sha(csv.rawPayload.toString('utf8')));
    expect(csv.headers['x-snapshot-version']).toBe('1');
    expect(csv.headers['x-snapshot-sha256']).toBe(sha(frozenText));
    const [header, ...lines] = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    const cols = header!.split(',');
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
    const num = (v: unknown) => (v === null || v === undefined ? '' : String(v));
    const expected = frozen.people.flatMap(
      (p: {
        employee_id: string;
        metrics: { metric: string; actual: number | null; target: number | null; attainment: number | null }[];
        composite: { score: number | null };
      }) =>
        p.metrics.map((m) => ({
          employee_id: p.employee_id,
          metric: m.metric,
          actual: num(m.actual),
          target: num(m.target),
          attainment: num(m.attainment),
          composite_score: num(p.composite.score),
        })),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(
      rows.map((r) => ({
        employee_id: r.employee_id,
        metric: r.metric,
        actual: r.actual,
        target: r.target,
        attainment: r.attainment,
        composite_score: r.composite_score,
      })),
    ).toEqual(expected);
    for (const r of rows) {
      expect(r.snapshot_version).toBe('1');
      expect(r.snapshot_kpi_inputs_sha256).toBe(sha(frozenText));
      expect(r.period).toBe('2026-Q3');
    }

    const xlsx = await t.app.inject({ url: `/v1/periods/${ROLE}/2026-Q3/payroll?format=xlsx`, headers: t.auth('hr') });
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['x-checksum-sha256']).toBe(createHash('sha256').update(xlsx.rawPayload).digest('hex'));
    const sheet = await readWorkbook(new Uint8Array(xlsx.rawPayload));
    expect(sheet.rows[0]).toEqual(cols);
    // XLSX cells are numbers (doubles); read back as text to 15 significant digits
    const approx = (v: string | undefined) => (v === undefined || v === '' ? null : Number(Number(v).toPrecision(12)));
    expect(sheet.rows.slice(1).map((r) => [r[2], r[3], approx(r[4]), approx(r[9]), approx(r[12])])).toEqual(
      rows.map((r) => [r.employee_id, r.metric, approx(r.actual), approx(r.attainment), approx(r.composite_score)]),
    );
    // an open period has nothing to export
    const open = await t.app.inject({ url: `/v1/periods/${ROLE}/2026-Q4/payroll`, headers: t.auth('hr') });
    expect(open.statusCode).toBe(409);
  }, 120_000);

  it('reopen needs a reason; the next close is version 2 and version 1 reads the same', async () => {
    const v1 = await read(`/v1/periods/${ROLE}/2026-Q3/snapshot?version=1&part=kpi_inputs`, 'scorer');
    const noReason = await send('POST', `/v1/periods/${ROLE}/2026-Q3/reopen`, {});
    expect(noReason.statusCode).toBe(400);
    // a month closed with its quarter is reopened with the quarter, not alone
    const month = await send('POST', `/v1/periods/${ROLE}/2026-08/reopen`, { reason: 'only August' });
    expect(month.statusCode, month.body).toBe(409);
    expect(month.json().detail).toContain('reopen 2026-Q3');
    const reopened = await send('POST', `/v1/periods/${ROLE}/2026-Q3/reopen`, { reason: 'late history upload' });
    expect(reopened.statusCode, reopened.body).toBe(200);
    expect(reopened.json()).toMatchObject({ state: 'reopened', reopen_reason: 'late history upload' });
    expect((await send('POST', `/v1/periods/${ROLE}/2026-Q3/reopen`, { reason: 'twice' })).statusCode).toBe(409);
    const live = JSON.parse(await read(q3, 'scorer'));
    expect(live.closed).toBeUndefined();
    expect(JSON.parse(await read(`/v1/kpi-inputs?period=2026-08&role=${ROLE}`, 'scorer')).closed).toBeUndefined();
    expect(JSON.parse(await read(`/v1/periods/${ROLE}/2026-08`))).toMatchObject({
      state: 'open',
      versions: [{ state: 'reopened', reopen_reason: 'late history upload', within: '2026-Q3' }],
    });

    const v2 = await send('POST', `/v1/periods/${ROLE}/2026-Q3/close`, { reason: 'signed off again' });
    expect(v2.json()).toMatchObject({ created: true, snapshot: { version: 2 } });
    const v2Inputs = await read(`/v1/periods/${ROLE}/2026-Q3/snapshot?version=2&part=kpi_inputs`, 'scorer');
    expect(sha(v2Inputs)).not.toBe(sha(v1));
    expect(await read(`/v1/periods/${ROLE}/2026-Q3/snapshot?version=1&part=kpi_inputs`, 'scorer')).toBe(v1);
    expect(sha(v1)).toBe(JSON.parse(await read(`/v1/periods/${ROLE}/2026-Q3`)).versions[0].hashes.kpi_inputs);
    const state = JSON.parse(await read(`/v1/periods/${ROLE}/2026-Q3`));
    expect(state).toMatchObject({ state: 'closed', current: { version: 2 } });
    expect(state.versions.map((v: { state: string }) => v.state)).toEqual(['reopened', 'closed']);
    const whole = JSON.parse(await read(`/v1/periods/${ROLE}/2026-Q3/snapshot?version=1`));
    expect(whole.snapshot.version).toBe(1);
    expect(JSON.stringify(whole.kpi_inputs)).toBe(v1);
    const actions = (
      await t.app.inject({ url: '/v1/audit?action=period.&period=2026-Q3', headers: t.auth('hr') })
    ).json();
    expect(actions.entries.map((e: { action: string }) => e.action)).toEqual([
      'period.close',
      'period.reopen',
      'period.close',
    ]);
    expect(
      (await t.app.inject({ url: `/v1/periods/${ROLE}/2026-Q3/snapshot?version=9`, headers: t.auth('hr') })).statusCode,
    ).toBe(404);
  }, 300_000);

  it('a close racing a write freezes one state of the data, never half of each', async () => {
    const { targets } = t.app.services;
    const before = JSON.stringify(await targets.live.kpiInputs('2026-10', ROLE));
    const [closed, upload] = await Promise.all([
      send('POST', `/v1/periods/${ROLE}/2026-10/close`, {}),
      send('POST', '/v1/history', [{ employee_id: someone, metric_id: 'csat', period: '2026-10', value: 0.2 }]),
    ]);
    expect(closed.statusCode, closed.body).toBe(200);
    expect(upload.statusCode, upload.body).toBe(200);
    const after = JSON.stringify(await targets.live.kpiInputs('2026-10', ROLE));
    expect(after).not.toBe(before);
    const frozen = await read(`/v1/periods/${ROLE}/2026-10/snapshot?part=kpi_inputs`);
    expect([before, after]).toContain(frozen);
  }, 300_000);
});
