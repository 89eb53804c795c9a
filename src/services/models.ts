/**
 * Models and the registry: versions, a shadow comparison (a job), promote and roll back. A
 * sentiment or aspects switch — over HTTP, from the CLI, or a release's new shipped model found at
 * start-up — queues one rescore of the stored reviews followed by a recompute of every rating, here and
 * only here (the rescore finds the reviews whose sentiment or aspect model is not the active one).
 */
import type { Scope } from '../auth/keys.js';
import type { Config } from '../config.js';
import type { Db } from '../db/types.js';
import type { JobStatus } from '../jobs/types.js';
import { NotFoundError, UnavailableError } from '../lib/errors.js';
import { getVersion, listVersions, type ModelVersion, promote, rollback } from '../registry/index.js';
import { ASPECTS_KIND, registerShippedAspects } from '../registry/aspects.js';
import { registerShippedSentiment, SENTIMENT_KIND } from '../registry/sentiment.js';
import type { JobService } from './jobs.js';

/** A version after a switch; for sentiment and aspects, the rescore job (or why it could not be queued). */
export type Switched = ModelVersion & { rescore_job?: string | null; rescore_error?: string };

export interface ModelService {
  list(q: { kind?: string | undefined; scope?: string | undefined }): Promise<ModelVersion[]>;
  /** @throws NotFoundError */
  get(id: string): Promise<ModelVersion>;
  /** Queues a compare_models job of `id` against the active version. */
  compare(
    id: string,
    options: { threshold?: number | undefined; limit?: number | undefined; eval_file?: string | undefined },
    caller: { scopes: readonly Scope[]; actor: string },
  ): Promise<JobStatus>;
  promote(id: string, actor: string, reason: string | null): Promise<Switched>;
  rollback(kind: string, scope: string, actor: string, reason: string | null): Promise<Switched>;
  /** Start-up (server, worker): the shipped sentiment and aspect models registered; a new one that replaced an active one is a switch. */
  registerShipped(): Promise<Switched[]>;
}

export function createModelService(deps: {
  db: Db;
  config: Pick<Config, 'modelsDir'>;
  jobs: JobService;
}): ModelService {
  const { db, jobs } = deps;

  /** A sentiment or aspects switch rescores the stored reviews and then recomputes the ratings, as jobs. */
  async function afterSwitch(v: ModelVersion, actor: string): Promise<Switched> {
    if (v.kind !== SENTIMENT_KIND && v.kind !== ASPECTS_KIND) return v;
    const data = { rescore: true, then_recompute: true };
    try {
      const job = await jobs.submit({
        kind: 'score_reviews',
        data,
        // one job per switch: the promotion time tells a rollback to an earlier version from the first promote
        idempotencyKey: `${v.id}@${v.promoted_at?.toISOString() ?? ''}`,
        scopes: ['admin'],
        actor,
      });
      return { ...v, rescore_job: job.id };
    } catch (err) {
      // the switch is committed; answering an error would invite a retry (a second rollback goes back further)
      if (!(err instanceof UnavailableError)) throw err;
      return {
        ...v,
        rescore_job: null,
        rescore_error: `${err.message}; submit POST /v1/jobs {"kind": "score_reviews", "data": ${JSON.stringify(data)}} when the queue is back`,
      };
    }
  }

  async function get(id: string): Promise<ModelVersion> {
    const v = await getVersion(db, id);
    if (!v) throw new NotFoundError(`model version ${id}`);
    return v;
  }

  return {
    list: (q) => listVersions(db, q),
    get,
    async compare(id, options, caller) {
      await get(id);
      return jobs.submit({
        kind: 'compare_models',
        data: { candidate: id, ...options },
        scopes: caller.scopes,
        actor: caller.actor,
      });
    },
    promote: async (id, actor, reason) => afterSwitch(await promote(db, id, actor, reason), actor),
    rollback: async (kind, scope, actor, reason) => afterSwitch(await rollback(db, kind, scope, actor, reason), actor),
    async registerShipped() {
      const out: Switched[] = [];
      const switched = [
        ...(await registerShippedSentiment(db, deps.config.modelsDir)),
        ...(await registerShippedAspects(db, deps.config.modelsDir)),
      ];
      for (const v of switched) out.push(await afterSwitch(v, 'system'));
      return out;
    },
  };
}
