/**
 * Baseline models in the registry: kind 'baseline', scope `role:metric:kind`. The active version
 * of a scope serves targets; deserialised models are kept in memory by version id (immutable).
 */
import { backtestCoverage, deserialize, type TrainedGroupModel } from '../baselines/index.js';
import type { Queryable } from '../db/types.js';
import { getActive, getArtifact, getVersion, listVersions, type ModelVersion } from '../registry/index.js';
import { scopeId, type ScopeKey } from './series.js';

export const BASELINE_KIND = 'baseline';

const cache = new Map<string, TrainedGroupModel>();

export interface ActiveModel {
  version: ModelVersion;
  model: TrainedGroupModel;
  coverage: { c80: number | null; c95: number | null };
}

export async function activeModel(db: Queryable, key: ScopeKey): Promise<ActiveModel | null> {
  const version = await getActive(db, BASELINE_KIND, scopeId(key));
  if (!version) return null;
  return loaded(db, version);
}

/** A version's model, deserialised once per process (models are immutable by version id). */
async function loaded(db: Queryable, version: ModelVersion): Promise<ActiveModel | null> {
  let model = cache.get(version.id);
  if (!model) {
    const bytes = await getArtifact(db, version.id);
    if (!bytes) return null;
    model = deserialize(Buffer.from(bytes).toString('utf8'));
    if (cache.size > 200) cache.clear();
    cache.set(version.id, model);
  }
  return { version, model, coverage: backtestCoverage(model) };
}

/** One baseline model version by id (any status), for comparing model versions; null when unknown. */
export async function modelVersion(db: Queryable, id: string): Promise<ActiveModel | null> {
  const version = await getVersion(db, id);
  if (version?.kind !== BASELINE_KIND) return null;
  return loaded(db, version);
}

/** Scopes with an active model, optionally for one role and period kind. */
export async function activeScopes(
  db: Queryable,
  filter: { role?: string | undefined; kind?: string | undefined } = {},
): Promise<ScopeKey[]> {
  const r = await db.query<{ scope: string }>(
    `select scope from model_versions where kind = $1 and status = 'active' order by scope`,
    [BASELINE_KIND],
  );
  return r.rows
    .map(({ scope }) => {
      const [role, metric, kind] = scope.split(':') as [string, string, ScopeKey['kind']];
      return { role, metric, kind };
    })
    .filter((k) => (!filter.role || k.role === filter.role) && (!filter.kind || k.kind === filter.kind));
}

export interface ModelSummary {
  id: string;
  scope: string;
  role: string;
  metric: string;
  kind: string;
  status: ModelVersion['status'];
  created_at: Date;
  promoted_at: Date | null;
  job_id: string | null;
  metrics: Record<string, unknown>;
  data_range: Record<string, unknown> | null;
}

/** Versions of baseline models with their backtest figures, newest first per scope. */
export async function listModels(
  db: Queryable,
  filter: {
    role?: string | undefined;
    metric?: string | undefined;
    kind?: string | undefined;
    status?: string | undefined;
  },
): Promise<ModelSummary[]> {
  const all = await listVersions(db, { kind: BASELINE_KIND });
  return all
    .map((v) => {
      const [role = '', metric = '', kind = ''] = v.scope.split(':');
      return {
        id: v.id,
        scope: v.scope,
        role,
        metric,
        kind,
        status: v.status,
        created_at: v.created_at,
        promoted_at: v.promoted_at,
        job_id: v.job_id,
        metrics: v.metrics,
        data_range: v.data_range,
      };
    })
    .filter(
      (m) =>
        (!filter.role || m.role === filter.role) &&
        (!filter.metric || m.metric === filter.metric) &&
        (!filter.kind || m.kind === filter.kind) &&
        (!filter.status || m.status === filter.status),
    );
}
