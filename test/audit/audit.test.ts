/**
 * The one audit store: overrides write their rows to it in the same transaction, `/v1/audit` filters
 * and pages them newest first, the export is a spreadsheet, and migration 011 carried the old rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listAuditLog, recordAudit } from '../../src/audit/store.js';
import { listMigrations, migrate } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

describeEachBackend('the audit store over HTTP', (get) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(get().db);
    const { db } = get();
    // three changes of two kinds by two actors, oldest first
    await db.transaction(async (tx) => {
      await recordAudit(tx, {
        actor: 'k_a',
        action: 'target_override.set',
        subject: { type: 'target_override', id: 'cs_agent/csat/2026-Q4/E1' },
        role: 'cs_agent',
        metric: 'csat',
        period: '2026-Q4',
        employeeId: 'E1',
        before: null,
        after: { value: 4.5 },
        reason: 'new hire, "ramping"',
      });
      await recordAudit(tx, {
        actor: 'k_b',
        action: 'api_key.revoke',
        subject: { type: 'api_key', id: 'k_x' },
        before: { name: '=cmd|calc' },
        after: null,
        reason: '=1+1 left the company',
      });
      await recordAudit(tx, {
        actor: 'k_a',
        action: 'target_override.clear',
        subject: { type: 'target_override', id: 'cs_agent/csat/2026-Q4/E1' },
        role: 'cs_agent',
        metric: 'csat',
        period: '2026-Q4',
        employeeId: 'E1',
        before: { value: 4.5 },
        after: null,
        reason: '退回建议值',
      });
    });
  });
  afterAll(async () => {
    await t?.app.close();
  });
  const get_ = (qs: string, scope: 'hr' | 'cs_lead' | 'scorer' = 'hr') =>
    t.app.inject({ url: `/v1/audit${qs}`, headers: t.auth(scope) });

  it('lists newest first with every field, filtered by action, prefix, actor, subject and person', async () => {
    const all = await get_('');
    expect(all.statusCode, all.body).toBe(200);
    const actions = all.json().entries.map((e: { action: string }) => e.action);
    expect(actions.slice(0, 3)).toEqual(['target_override.clear', 'api_key.revoke', 'target_override.set']);
    expect(all.json().entries[0]).toMatchObject({
      actor: 'k_a',
      subject_type: 'target_override',
      subject_id: 'cs_agent/csat/2026-Q4/E1',
      role_id: 'cs_agent',
      metric_id: 'csat',
      period: '2026-Q4',
      employee_id: 'E1',
      before: { value: 4.5 },
      after: null,
      reason: '退回建议值',
      detail: {},
    });
    const prefix = (await get_('?action=target_override.')).json().entries;
    expect(prefix.map((e: { action: string }) => e.action)).toEqual(['target_override.clear', 'target_override.set']);
    expect((await get_('?action=target_override.set')).json().entries).toHaveLength(1);
    expect((await get_('?actor=k_b')).json().entries.map((e: { action: string }) => e.action)).toEqual([
      'api_key.revoke',
    ]);
    expect((await get_('?subject_type=api_key&subject_id=k_x')).json().entries).toHaveLength(1);
    expect((await get_('?employee_id=E1&role=cs_agent&metric=csat&period=2026-Q4')).json().entries).toHaveLength(2);
    expect((await get_('?since=2999-01-01T00:00:00Z')).json().entries).toEqual([]);
    expect((await get_('?until=2000-01-01T00:00:00Z')).json().entries).toEqual([]);
  });

  it('pages by an id cursor without gaps or repeats', async () => {
    const seen: number[] = [];
    let next: number | null = null;
    do {
      const r = await get_(`?limit=1${next ? `&before=${next}` : ''}`);
      expect(r.statusCode).toBe(200);
      const body = r.json() as { entries: { id: number }[]; next_before: number | null };
      seen.push(...body.entries.map((e) => e.id));
      next = body.next_before;
    } while (next !== null);
    const all = (await get_('?limit=1000')).json().entries.map((e: { id: number }) => e.id);
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('exports CSV with a BOM and XLSX with the same rows', async () => {
    const csv = await get_('/export?action=target_override.&format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="audit-.*\.csv"/);
    const lines = csv.body.split('\r\n').filter(Boolean);
    expect(lines[0]!.startsWith('\uFEFFid,at,actor,action')).toBe(true);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('退回建议值');
    expect(lines[2]).toContain('"new hire, ""ramping"""');
    // a cell a spreadsheet would run is not a formula
    const keys = await get_('/export?subject_type=api_key');
    expect(keys.body).toContain(`,'=1+1 left the company,`);
    const xlsx = await t.app.inject({
      url: '/v1/audit/export?action=target_override.&format=xlsx',
      headers: t.auth('cs_lead'),
    });
    expect(xlsx.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount).toBe(3);
    expect(ws.getRow(2).getCell(4).value).toBe('target_override.clear');
  });

  it('refuses bad filters naming them, and keys without an HR or quality-lead scope', async () => {
    const bad = await get_('?since=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('since');
    expect((await get_('?before=0')).statusCode).toBe(400);
    expect((await get_('?verb=x')).statusCode).toBe(400);
    expect((await get_('', 'scorer')).statusCode).toBe(403);
    expect((await get_('', 'cs_lead')).statusCode).toBe(200);
  });

  it('an override and its audit row commit together', async () => {
    const { db } = get();
    const before = (await listAuditLog(db, { subject_type: 'target_override', limit: 1000 })).length;
    await expect(
      db.transaction(async (tx) => {
        await recordAudit(tx, {
          actor: 'k_a',
          action: 'target_override.set',
          subject: { type: 'target_override', id: 'x' },
        });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await listAuditLog(db, { subject_type: 'target_override', limit: 1000 })).toHaveLength(before);
  });
});

it('migration 011 moves the overrides audit rows into the one store, ids and times kept', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpi-audit-migration-'));
  const db = await openPglite(dir);
  try {
    const all = listMigrations();
    await migrate(
      db,
      all.filter((m) => m.version < 11),
    );
    await db.query(
      `insert into target_audit (id, role_id, metric_id, period, employee_id, action, before_value, after_value, suggested, model_version, reason, actor, at)
       values (7, 'cs_agent', 'csat', '2026-11', 'E9', 'set', null, 0.9, 0.88, 'b-2', 'senior', 'k_1', '2026-11-03T10:00:00Z'),
              (8, 'cs_agent', 'csat', '2026-11', 'E9', 'clear', 0.9, null, 0.88, 'b-2', 'reverted', 'k_1', '2026-11-04T10:00:00Z')`,
    );
    await migrate(db, all);
    const rows = await listAuditLog(db, { limit: 10 });
    expect(rows.map((r) => [r.id, r.action, r.before, r.after, r.reason, r.at.toISOString()])).toEqual([
      [8, 'target_override.clear', { value: 0.9 }, null, 'reverted', '2026-11-04T10:00:00.000Z'],
      [7, 'target_override.set', null, { value: 0.9 }, 'senior', '2026-11-03T10:00:00.000Z'],
    ]);
    expect(rows[0]!.detail).toEqual({ suggested: 0.88, model_version: 'b-2' });
    // the sequence continues after the copied ids
    const next = await recordAudit(db, { actor: null, action: 'x.y', subject: { type: 'x', id: '1' } });
    expect(next.id).toBe(9);
    const gone = await db.query(`select to_regclass('target_audit') as t`);
    expect(gone.rows[0]).toEqual({ t: null });
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
