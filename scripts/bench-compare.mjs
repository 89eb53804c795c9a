#!/usr/bin/env node
// Runs one benchmark against two commits on this machine, alternating: a, b, a, b, a, b (three runs
// each by default), and prints the median of every figure on each side with the ratio b / a. Figures
// from one run on a shared machine only mean something as ratios measured this way.
//
//   node scripts/bench-compare.mjs <rev-a> <rev-b> <bench> [--runs N] [--link] [--keep] [-- bench args]
//   node scripts/bench-compare.mjs 37fc273 HEAD bench:targets -- --people 10000
//
// Each revision is exported (git archive) into a temporary directory, beside a link to ../shared (the
// data the benches read by default). node_modules: linked to this checkout's when both lockfiles equal
// it (or with --link, for lockfiles that differ only in what they declare), else `npm ci` on each side.
// The bench runs as `npm run -s <bench> -- --json <args>`; every JSON line it prints is read (lines of
// one run with a "backend" field are told apart by it). With /usr/bin/time each run also gives
// `cpu_s`: user + system seconds of the bench and the processes it waited for (not a PostgreSQL or
// Redis server's), steadier than wall time while other work shares the cores. Nothing is written to
// the repository. --keep leaves the two trees (a/, b/) for scripts/bench-ab.ts, which pairs the
// calls of the ingest route and the targets inside one process when wall times here are too noisy.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const own = dash < 0 ? argv : argv.slice(0, dash);
const benchArgs = dash < 0 ? [] : argv.slice(dash + 1);
const flag = (name) => {
  const i = own.indexOf(name);
  if (i < 0) return false;
  own.splice(i, 1);
  return true;
};
const option = (name, fallback) => {
  const i = own.indexOf(name);
  if (i < 0) return fallback;
  const v = own[i + 1];
  own.splice(i, 2);
  return v;
};
const link = flag('--link');
const keep = flag('--keep');
const runs = Number(option('--runs', '3'));
const [revA, revB, bench] = own;
if (!revA || !revB || !bench || !Number.isInteger(runs) || runs < 1) {
  console.error('usage: bench-compare.mjs <rev-a> <rev-b> <bench> [--runs N] [--link] [--keep] [-- bench args]');
  process.exit(2);
}

const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
const git = (...args) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kpi-bench-compare-'));
const shared = path.resolve(root, '../shared');
if (existsSync(shared)) symlinkSync(shared, path.join(tmp, 'shared'));

const sides = [
  { name: 'a', rev: revA },
  { name: 'b', rev: revB },
].map((s) => ({ ...s, commit: git('rev-parse', '--short', s.rev).trim(), dir: path.join(tmp, s.name) }));
const ownLock = readFileSync(path.join(root, 'package-lock.json'), 'utf8');
for (const s of sides) {
  mkdirSync(s.dir);
  execFileSync('sh', ['-c', `git -C "${root}" archive ${s.commit} | tar -x -C "${s.dir}"`]);
  const same = git('show', `${s.commit}:package-lock.json`) === ownLock;
  if (same || link) symlinkSync(path.join(root, 'node_modules'), path.join(s.dir, 'node_modules'));
  else {
    console.error(`${s.name} (${s.commit}): npm ci`);
    execFileSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: s.dir, stdio: 'ignore' });
  }
}

/** Numeric leaves of a JSON value, by dotted path. */
function leaves(value, prefix, out) {
  if (typeof value === 'number' && Number.isFinite(value)) out[prefix] = value;
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

const figures = { a: {}, b: {} };
for (let i = 0; i < runs; i++) {
  for (const s of sides) {
    const started = Date.now();
    const timeFile = path.join(tmp, 'time.txt');
    const timed = existsSync('/usr/bin/time');
    const command = ['npm', 'run', '-s', bench, '--', '--json', ...benchArgs];
    const r = spawnSync(
      timed ? '/usr/bin/time' : command[0],
      timed ? ['-f', '%U %S', '-o', timeFile, ...command] : command.slice(1),
      {
        cwd: s.dir,
        encoding: 'utf8',
        maxBuffer: 1 << 26,
        env: { ...process.env, FORCE_COLOR: '0' },
      },
    );
    const lines = r.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('{'));
    if (r.status !== 0 || lines.length === 0) {
      console.error(
        `${s.name} run ${i + 1} failed (exit ${r.status}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`,
      );
      process.exit(1);
    }
    lines.forEach((line, k) => {
      const o = JSON.parse(line);
      const tag = typeof o.backend === 'string' ? o.backend : lines.length > 1 ? `line${k + 1}` : '';
      for (const [key, v] of Object.entries(leaves(o, tag, {}))) (figures[s.name][key] ??= []).push(v);
    });
    if (timed) {
      const [user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      (figures[s.name].cpu_s ??= []).push(user + sys);
    }
    console.error(`${s.name} (${s.commit}) run ${i + 1}/${runs}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

const median = (xs) => {
  const v = [...xs].sort((x, y) => x - y);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const fmt = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toPrecision(3));
console.log(
  `${bench} ${benchArgs.join(' ')}: a = ${sides[0].commit}, b = ${sides[1].commit}, median of ${runs} alternated runs`,
);
console.log(['figure', 'a', 'b', 'b/a', 'a runs', 'b runs'].join('\t'));
for (const key of Object.keys(figures.a)) {
  const a = figures.a[key];
  const b = figures.b[key] ?? [];
  if (b.length === 0) continue;
  const ma = median(a);
  const mb = median(b);
  console.log(
    [key, fmt(ma), fmt(mb), ma === 0 ? '—' : (mb / ma).toFixed(3), a.map(fmt).join(' '), b.map(fmt).join(' ')].join(
      '\t',
    ),
  );
}
if (keep) console.error(`kept ${tmp}`);
else rmSync(tmp, { recursive: true, force: true });
