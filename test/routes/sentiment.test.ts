import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend, openTestDb, type TestDb } from '../helpers/db.js';

const batch = Array.from({ length: 240 }, (_, i) =>
  i % 4 === 0
    ? `客服态度很好，回复很快，第${i}次购买`
    : i % 4 === 1
      ? `Support never answered my emails about order ${i}, very slow`
      : i % 4 === 2
        ? `物流太慢了，包装也破了 ${i}`
        : `Great quality, arrived fast (${i})`,
);

describeEachBackend('POST /v1/sentiment/score', (get) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(get().db, { BODY_LIMIT: '1mb' });
  });
  afterAll(async () => {
    await t.app.close();
  });
  const score = (payload: unknown, scope: 'cs_lead' | 'scorer' | 'hr' = 'cs_lead') =>
    t.app.inject({ method: 'POST', url: '/v1/sentiment/score', headers: t.auth(scope), payload: payload as object });

  it('scores one text for cs_lead and scorer keys, not for hr', async () => {
    for (const scope of ['cs_lead', 'scorer'] as const) {
      const r = await score({ text: '客服态度很差，问了三次都不回复', explain: true }, scope);
      expect(r.statusCode).toBe(200);
      const [one] = r.json().results;
      expect(one).toMatchObject({
        label: 'negative',
        language: 'zh',
        modelVersion: expect.stringMatching(/^sentiment-zh@/),
      });
      expect(one.probability).toBeLessThan(0.2);
      expect(one.aspects).toContainEqual(
        expect.objectContaining({ aspect: 'service_attitude', agentControllable: true, sentiment: 'negative' }),
      );
      expect(one.explanation.length).toBeGreaterThan(0);
      expect(one.explanation.reduce((s: number, e: { contribution: number }) => s + e.contribution, 0)).toBeLessThan(0);
    }
    expect((await score({ text: '很好' }, 'hr')).statusCode).toBe(403);
  });

  it('answers a batch in order, each text as it scores alone', async () => {
    const r = await score({ texts: batch });
    expect(r.statusCode).toBe(200);
    const results = r.json().results as { label: string; language: string; probability: number }[];
    expect(results).toHaveLength(batch.length);
    expect(results.map((x) => x.language)).toEqual(batch.map((_, i) => (i % 2 === 0 ? 'zh' : 'en')));
    for (const i of [0, 1, 2, 3, 117, 239]) {
      expect((await score({ text: batch[i] })).json().results[0]).toEqual(results[i]);
    }
  });

  it('gives a low-confidence neutral where nothing can be said, and reads HTML, mixed and very long text', async () => {
    const r = await score({
      texts: [
        '   \n\t',
        '😀😀👍',
        'とても良い',
        '<p>质量<b>很好</b>&nbsp;</p>',
        '物流很快 but the box was damaged',
        '',
      ],
    });
    expect(r.statusCode).toBe(200);
    const [blank, emoji, other, html, mixed, empty] = r.json().results;
    for (const x of [blank, emoji, empty]) expect(x).toMatchObject({ label: 'neutral', probability: 0.5, aspects: [] });
    expect((await score({ text: '' })).json().results[0]).toMatchObject({ label: 'neutral', probability: 0.5 });
    // ≈ 49 KB, past the 20,000 characters the engine reads: scored on those
    const long = await score({ text: 'Terrible support, nobody answered. '.repeat(1400) });
    expect(long.statusCode).toBe(200);
    expect(long.json().results[0]).toMatchObject({ language: 'en', label: 'negative' });
    expect(other.language).toBe('other');
    expect(html).toMatchObject({ language: 'zh', label: 'positive' });
    expect(mixed.aspects.map((a: { aspect: string }) => a.aspect)).toEqual(
      expect.arrayContaining(['logistics', 'packaging']),
    );
  });

  it('decodes invalid UTF-8 with replacement characters instead of failing', async () => {
    const body = Buffer.concat([Buffer.from('{"text":"质量很好'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    const r = await t.app.inject({
      method: 'POST',
      url: '/v1/sentiment/score',
      headers: { ...t.auth('cs_lead'), 'content-type': 'application/json' },
      payload: body,
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().results[0]).toMatchObject({ language: 'zh', label: 'positive' });
  });

  it('refuses malformed bodies (400) and broken limits (413) naming the field', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{}, 400, /either/],
      [{ text: 'a', texts: ['b'] }, 400, /either/],
      [{ texts: [] }, 400, /body\.texts/],
      [{ texts: ['ok', 42] }, 400, /body\.texts\.1/],
      // limits: 413, naming the field
      [{ texts: Array.from({ length: 1001 }, () => 'ok') }, 413, /body\.texts: .*1000/],
      [{ text: '好'.repeat(200_001) }, 413, /body\.text: .*200000/],
      [{ texts: ['ok', '好'.repeat(200_001)] }, 413, /body\.texts\.1/],
    ];
    for (const [payload, status, names] of cases) {
      const r = await score(payload);
      expect(r.statusCode, JSON.stringify(payload).slice(0, 60)).toBe(status);
      expect(r.body).toMatch(names);
    }
    const big = await score({ texts: Array.from({ length: 400 }, () => '好'.repeat(1000)) }); // ≈ 1.2 MB: over BODY_LIMIT (1 MB here)
    expect(big.statusCode).toBe(413);
  });
});

describeEachBackend('POST /v1/sentiment/score with SENTIMENT_THREADS', (get) => {
  let threaded: TestApp;
  let plainDb: TestDb;
  let plain: TestApp;
  beforeAll(async () => {
    threaded = await buildTestApp(get().db, { SENTIMENT_THREADS: '2' });
    plainDb = await openTestDb('pglite');
    plain = await buildTestApp(plainDb.db);
  });
  afterAll(async () => {
    await threaded.app.close();
    await plain.app.close();
    await plainDb.dispose();
  });

  it('answers exactly what scoring on the event loop answers', async () => {
    const payload = { texts: [...batch, '', '<b>很好</b>', '物流很快 but the box was damaged'], explain: true };
    const a = await threaded.app.inject({
      method: 'POST',
      url: '/v1/sentiment/score',
      headers: threaded.auth('scorer'),
      payload,
    });
    const b = await plain.app.inject({
      method: 'POST',
      url: '/v1/sentiment/score',
      headers: plain.auth('scorer'),
      payload,
    });
    expect(a.statusCode).toBe(200);
    expect(a.json()).toEqual(b.json());
  });
});
