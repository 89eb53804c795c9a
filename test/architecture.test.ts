/**
 * The layering the README draws, checked on the sources: routes never reach the database (no
 * import of src/db or of a module that runs SQL, no SQL of their own, no `services.db`); domain
 * modules know nothing of HTTP (no fastify, no src/errors.ts and its statuses, nothing from the
 * layers above); services know nothing of HTTP either. Import cycles: scripts/cycles.mjs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

const source = (file: string) => readFileSync(file, 'utf8');

/** Module specifiers a file imports or re-exports (static and dynamic), type-only ones included. */
function importsOf(file: string): string[] {
  const text = source(file);
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

/** The source file a relative specifier names, or null for packages. */
function resolve(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  return path.resolve(path.dirname(from), spec.replace(/\.js$/, '.ts'));
}

const rel = (file: string) => path.relative(SRC, file);
/** Runs SQL: a query, a transaction or a raw exec on a database handle. */
const RUNS_SQL = /\.(query|transaction)\s*[<(]|\bdb\.exec\(/;
/** SQL text: a statement keyword followed by its clause in one string. */
const SQL_TEXT = /\b(select\s[\s\S]{1,200}?\bfrom|insert\s+into|update\s+\w+\s+set|delete\s+from)\b/i;

describe('architecture', () => {
  // the console's pages (src/web) are routes too: they call the services, never the database
  const routes = [...filesUnder(path.join(SRC, 'routes')), ...filesUnder(path.join(SRC, 'web'))];

  it('finds the route files', () => {
    expect(routes.length).toBeGreaterThan(10);
  });

  it('no route imports the database layer or a module that runs SQL', () => {
    const bad: string[] = [];
    for (const file of routes) {
      for (const spec of importsOf(file)) {
        const target = resolve(file, spec);
        if (!target) continue;
        if (rel(target).startsWith(`db${path.sep}`)) bad.push(`${rel(file)} imports ${rel(target)}`);
        else if (RUNS_SQL.test(source(target))) bad.push(`${rel(file)} imports ${rel(target)}, which runs SQL`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('no route runs SQL, holds SQL or reads the database from the services', () => {
    const bad = routes.filter((file) => {
      const text = source(file);
      return (
        RUNS_SQL.test(text) ||
        SQL_TEXT.test(text) ||
        /services\.(db|queue)\b|\{[^}]*\bdb\b[^}]*\}\s*=\s*app\.services/.test(text)
      );
    });
    expect(bad.map(rel)).toEqual([]);
  });

  it('domain modules import no HTTP (fastify, src/errors.ts) and nothing from the layers above', () => {
    const domain = ['history', 'baselines', 'reviews', 'ratings', 'kpi', 'registry', 'ingest', 'demo', 'auth'];
    const above = ['routes', 'plugins', 'services', 'web', 'app.ts', 'server.ts', 'worker.ts', 'cli.ts'];
    const bad: string[] = [];
    for (const folder of domain) {
      for (const file of filesUnder(path.join(SRC, folder))) {
        for (const spec of importsOf(file)) {
          if (/^(fastify|@fastify\/)/.test(spec)) bad.push(`${rel(file)} imports ${spec}`);
          const target = resolve(file, spec);
          if (!target) continue;
          const r = rel(target);
          if (r === 'errors.ts') bad.push(`${rel(file)} imports src/errors.ts (HTTP statuses)`);
          if (above.some((a) => r === a || r.startsWith(`${a}${path.sep}`))) bad.push(`${rel(file)} imports ${r}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('services import no HTTP', () => {
    const bad: string[] = [];
    for (const file of filesUnder(path.join(SRC, 'services')))
      for (const spec of importsOf(file)) {
        const target = resolve(file, spec);
        if (/^(fastify|@fastify\/)/.test(spec) || (target && ['errors.ts', 'app.ts'].includes(rel(target))))
          bad.push(`${rel(file)} imports ${spec}`);
        if (target && /^(routes|plugins)\//.test(rel(target))) bad.push(`${rel(file)} imports ${spec}`);
      }
    expect(bad).toEqual([]);
  });
});
