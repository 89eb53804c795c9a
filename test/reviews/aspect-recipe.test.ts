/**
 * The recipe of an aspect model (src/reviews/sentiment/aspect-recipe.ts): the settings its metadata's
 * `training` block records, read as `npm run train:aspects -- --recipe` and the `train_aspects` job read
 * them; the shipped models' blocks give back the options of their commands.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aspectRecipe, recipeCommand, withOverrides } from '../../src/reviews/sentiment/aspect-recipe.js';

const shipped = (lang: string) => JSON.parse(readFileSync(`models/aspects-${lang}/metadata.json`, 'utf8'));

describe('aspectRecipe', () => {
  it('reads the shipped zh model as its command trained it (limit 773, service head, weak intent, complaint head, recall 0.82)', () => {
    expect(aspectRecipe(shipped('zh'))).toEqual({
      weak: 40000,
      weakWeight: 1,
      devWeight: 4,
      folds: 3,
      keywordFeatures: true,
      cueFeatures: true,
      epochs: 8,
      l2: 1e-5,
      learningRate: 0.1,
      cues: true,
      weakDoubt: true,
      weakAgentNegatives: false,
      reviewPolarity: false,
      trainLabels: true,
      trainLabelsLimit: 773,
      trainLabelsWeight: 4,
      correctionsWeight: 4,
      serviceHead: true,
      serviceHeadL2: [0.01],
      serviceHeadWeak: 1,
      serviceHeadRows: 'all',
      weakIntent: 'unknown',
      ownTextsLimit: 215,
      complaintRecall: 0.82,
      polarityMinClauses: 20,
      complaintHead: true,
      complaintHeadL2: [3e-6],
    });
  });

  it('reads the shipped en model (no service head, recall 0.8, 50 polarity clauses, review features 0.5)', () => {
    const en = aspectRecipe(shipped('en'));
    expect(en).toMatchObject({
      weak: 30000,
      serviceHead: false,
      weakIntent: false,
      complaintRecall: 0.8,
      polarityMinClauses: 50,
      trainLabels: true,
      reviewFeatures: 0.5,
    });
    // `limit: null`: all the file's hand labels (597)
    expect(en).not.toHaveProperty('trainLabelsLimit');
    expect(en).not.toHaveProperty('reviewFeaturesMinReviews');
    expect(en).not.toHaveProperty('serviceHeadL2');
    expect(en).not.toHaveProperty('ownTexts');
    expect(en).not.toHaveProperty('weakFixes');
  });

  it('reads the blocks written since: limit null or N, no hand labels, no own texts, head on the aspect rows', () => {
    const block = (training: object) => aspectRecipe({ training });
    expect(block({ trainLabels: { items: 597, weight: 4, limit: null } })).not.toHaveProperty('trainLabelsLimit');
    expect(block({ trainLabels: { items: 773, weight: 4, limit: 773 } }).trainLabelsLimit).toBe(773);
    expect(block({ trainLabels: { items: 0, weight: 4, limit: null } })).toMatchObject({ trainLabels: false });
    expect(block({ trainLabels: { items: 10, weight: 2, limit: null } })).toMatchObject({
      ownTexts: false,
      trainLabelsWeight: 2,
    });
    expect(
      block({ serviceHead: { l2: 0.001, tableRows: 'those of the aspect columns' }, weakIntent: 'negative' }),
    ).toMatchObject({
      serviceHead: true,
      serviceHeadL2: [0.001],
      serviceHeadWeak: 0,
      serviceHeadRows: 'aspect',
      weakIntent: 'negative',
    });
    // the own texts a model read: the file's first `items` (texts appended since are not its recipe)
    expect(block({ ownTexts: { items: 351, weight: 4 }, weakFixes: 'unknown' })).toMatchObject({
      ownTextsLimit: 351,
      weakFixes: 'unknown',
    });
    expect(block({ weakFixes: 'sometimes' })).not.toHaveProperty('weakFixes');
    // neighbour-clause features: the scale, one set of rows for both sides, labelled rows only
    expect(
      block({ neighbourFeatures: 0.5, neighbourFeaturesShared: true, neighbourFeaturesRows: 'labelled' }),
    ).toMatchObject({ neighbourFeatures: 0.5, neighbourFeaturesShared: true, neighbourFeaturesRows: 'labelled' });
    expect(block({ neighbourFeatures: 0.25 })).not.toHaveProperty('neighbourFeaturesShared');
    expect(aspectRecipe(shipped('zh'))).not.toHaveProperty('neighbourFeatures');
    // the verdict × review context (its scale) and the weak rows' domains (twelfth session)
    expect(
      block({ reviewFeatures: 0.5, verdictContext: 0.5, weakDomains: ['books', 'dvd'], weakDomainsLabel: 'unknown' }),
    ).toMatchObject({ verdictContext: 0.5, weakDomains: ['books', 'dvd'], weakDomainsLabel: 'unknown' });
    expect(block({ weakDomains: 'books' })).not.toHaveProperty('weakDomains');
    // the complaint head's own texts (thirteenth session): the file's first N, apart from the aspect columns'
    expect(block({ complaintHead: { l2: 1e-7, ownTexts: 351 } })).toMatchObject({
      complaintHead: true,
      complaintHeadL2: [1e-7],
      complaintHeadOwnTexts: 351,
    });
    expect(aspectRecipe(shipped('zh'))).not.toHaveProperty('complaintHeadOwnTexts');
    for (const lang of ['zh', 'en'] as const) {
      expect(aspectRecipe(shipped(lang))).not.toHaveProperty('verdictContext');
      expect(aspectRecipe(shipped(lang))).not.toHaveProperty('weakDomains');
    }
    // nothing recorded: only what has a default in the block's absence
    expect(aspectRecipe({})).toEqual({
      serviceHead: false,
      weakIntent: false,
      complaintRecall: 0.75,
      polarityMinClauses: 20,
    });
  });

  it('overrides win where given', () => {
    expect(
      withOverrides(
        { complaintRecall: 0.78, weak: 40000, serviceHead: true },
        { complaintRecall: 0.9, weak: undefined, serviceHead: false },
      ),
    ).toEqual({ complaintRecall: 0.9, weak: 40000, serviceHead: false });
  });
});

describe('recipeCommand', () => {
  it('leaves out where the run wrote (--out, --oof), not the recipe', () => {
    expect(
      recipeCommand(['--lang', 'en', '--complaint-recall', '0.8', '--out', '/tmp/attr/en-K', '--oof', '/tmp/x.jsonl']),
    ).toBe('npm run train:aspects -- --lang en --complaint-recall 0.8');
    expect(recipeCommand(['--out=/tmp/a', '--lang', 'zh', '--service-head'])).toBe(
      'npm run train:aspects -- --lang zh --service-head',
    );
  });
});
