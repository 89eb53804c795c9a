/**
 * The recipe of an aspect model: the `trainAspectModel` settings (./aspect-pipeline.ts) a model's
 * metadata says it was trained with (its `training` block, and `keywordFeatures` / `cueFeatures`).
 * `npm run train:aspects -- --recipe FILE` and the `train_aspects` job (which starts from the active
 * model's) read it here, so a model trained again is trained as the one it would replace.
 */
import type { AspectTrainSettings } from './aspect-pipeline.js';

export type { RecipeOrigin } from './aspect-pipeline.js';

/** What of a model's metadata the recipe reads (an AspectModelMetadata, or a registered version's metadata). */
export interface RecipeMetadata {
  keywordFeatures?: unknown;
  cueFeatures?: unknown;
  cueExtra?: unknown;
  training?: unknown;
}

const obj = (x: unknown): Record<string, unknown> | undefined =>
  x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const bool = (x: unknown): boolean | undefined => (typeof x === 'boolean' ? x : undefined);

/**
 * The settings a model's metadata records (see the `training` block trainAspectModel writes). What the
 * block does not say is left undefined (trainAspectModel's default). Read as:
 * - `weak.rows` → weak; `dev.weight`, `dev.folds`; `options.epochs`, `options.l2`, `options.learningRate`;
 * - `trainLabels`: items 0 → trainLabels false; `weight` → trainLabelsWeight; `limit` (a number: the
 *   aspect columns read the first N; null: all) → trainLabelsLimit; a block from before `limit` was
 *   recorded: its `items` (the zh model of 2026-12-07 read 773 of the file's 1,587);
 * - no `ownTexts` block where hand labels were read → ownTexts false (else left to follow trainLabels);
 * - `serviceHead`: on, its chosen `l2` as the only candidate, `weak.weight` (else 0), `tableRows` → 'aspect';
 * - `weakIntent` absent → false (kept); `weakFixes`, `weakDomains` and `weakDomainsLabel` as recorded (absent: none, the default);
 * - `ownTexts.items` → ownTextsLimit (the file's first N: texts appended later are not the model's recipe); `complaintRecall`, `polarityMinClauses` absent → their defaults;
 * - `reviewFeatures` (the scale), `reviewFeaturesMinReviews`, `reviewFeaturesRows` as recorded (absent: none, the default);
 * - `neighbourFeatures` (the scale), `neighbourFeaturesShared`, `neighbourFeaturesRows` as recorded (absent: none, the default);
 * - `verdictContext` (the scale) as recorded (absent: none, the default);
 * - `complaintHead`: on, its chosen `l2` as the only candidate, `ownTexts` → complaintHeadOwnTexts (absent: off).
 */
export function aspectRecipe(meta: RecipeMetadata): AspectTrainSettings {
  const t = obj(meta.training) ?? {};
  const out: AspectTrainSettings = {};
  const set = <K extends keyof AspectTrainSettings>(k: K, v: AspectTrainSettings[K]) => {
    if (v !== undefined) out[k] = v;
  };
  set('weak', num(obj(t.weak)?.rows));
  set('weakWeight', num(t.weakWeight));
  const dev = obj(t.dev);
  set('devWeight', num(dev?.weight));
  set('folds', num(dev?.folds));
  set('keywordFeatures', bool(meta.keywordFeatures));
  set('cueFeatures', bool(meta.cueFeatures));
  set('cueExtra', bool(meta.cueExtra));
  const options = obj(t.options);
  set('epochs', num(options?.epochs));
  set('l2', num(options?.l2));
  set('learningRate', num(options?.learningRate));
  set('cues', bool(t.cues));
  set('weakDoubt', bool(t.weakDoubt));
  set('weakAgentNegatives', bool(t.weakAgentNegatives));
  set('reviewPolarity', bool(t.reviewPolarity));
  const labels = obj(t.trainLabels);
  if (labels) {
    const items = num(labels.items);
    if (items === 0) set('trainLabels', false);
    else {
      set('trainLabels', true);
      set('trainLabelsLimit', 'limit' in labels ? num(labels.limit) : items);
      if (!obj(t.ownTexts)) set('ownTexts', false);
    }
    set('trainLabelsWeight', num(labels.weight));
  }
  set('correctionsWeight', num(obj(t.corrections)?.weight));
  const head = obj(t.serviceHead);
  set('serviceHead', head !== undefined);
  if (head) {
    const l2 = num(head.l2);
    set('serviceHeadL2', l2 !== undefined ? [l2] : undefined);
    set('serviceHeadWeak', num(obj(head.weak)?.weight) ?? 0);
    set('serviceHeadRows', head.tableRows !== undefined ? 'aspect' : 'all');
  }
  set('weakIntent', t.weakIntent === 'unknown' || t.weakIntent === 'negative' ? t.weakIntent : false);
  set('weakFixes', t.weakFixes === 'unknown' || t.weakFixes === 'negative' ? t.weakFixes : undefined);
  set(
    'weakDomains',
    Array.isArray(t.weakDomains) && t.weakDomains.every((d) => typeof d === 'string')
      ? (t.weakDomains as string[])
      : undefined,
  );
  set(
    'weakDomainsLabel',
    t.weakDomainsLabel === 'unknown' || t.weakDomainsLabel === 'negative' ? t.weakDomainsLabel : undefined,
  );
  // the own texts the model read: the first `items` of the file (texts appended later are not its recipe)
  set('ownTextsLimit', num(obj(t.ownTexts)?.items));
  set('complaintRecall', num(t.complaintRecall) ?? 0.75);
  set('polarityMinClauses', num(t.polarityMinClauses) ?? 20);
  set('reviewFeatures', num(t.reviewFeatures));
  set('reviewFeaturesMinReviews', num(t.reviewFeaturesMinReviews));
  set('reviewFeaturesRows', t.reviewFeaturesRows === 'labelled' ? 'labelled' : undefined);
  set('neighbourFeatures', num(t.neighbourFeatures));
  set('neighbourFeaturesShared', t.neighbourFeaturesShared === true ? true : undefined);
  set('neighbourFeaturesRows', t.neighbourFeaturesRows === 'labelled' ? 'labelled' : undefined);
  set('verdictContext', num(t.verdictContext));
  const complaintHead = obj(t.complaintHead);
  if (complaintHead) {
    set('complaintHead', true);
    const l2 = num(complaintHead.l2);
    set('complaintHeadL2', l2 !== undefined ? [l2] : undefined);
    set('complaintHeadOwnTexts', num(complaintHead.ownTexts));
  }
  return out;
}

/** `recipe` with the defined members of `overrides` on top. */
export function withOverrides(recipe: AspectTrainSettings, overrides: AspectTrainSettings): AspectTrainSettings {
  const out = { ...recipe };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * The command a model's metadata records: the CLI's arguments without those naming where it writes
 * (`--out DIR`, `--oof FILE`): the folder is not part of the recipe.
 */
export function recipeCommand(argv: readonly string[]): string {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out' || a === '--oof') i++;
    else if (!a.startsWith('--out=') && !a.startsWith('--oof=')) kept.push(a);
  }
  return `npm run train:aspects -- ${kept.join(' ')}`;
}
