/**
 * The order test files start in: the slowest known files first (longest first), then vitest's own
 * order (from its results cache when there is one; on a clean clone, larger files first). On two
 * workers a long file that starts late leaves one core idle at the end of the run while it finishes;
 * started first, the short files fill the other worker around it. The list: the slowest files of a
 * run of 149 files on 2026-12-08 03:50–04:00 (`npx vitest run --reporter=json`), then the other
 * Chromium files; a file missing from it runs in vitest's order.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export const SLOW_FIRST = [
  'test/server.test.ts',
  'test/input/fuzz.test.ts',
  'test/jobs/train-aspects.test.ts',
  'test/web/browser.test.ts',
  'test/services/models.test.ts',
  'test/db/backup.test.ts',
  'test/web/data-browser.test.ts',
  'test/web/fuzz.test.ts',
  'test/web/targets-browser.test.ts',
  'test/routes/openapi-conformance.test.ts',
  'test/jobs/queue.test.ts',
  'test/web/me-browser.test.ts',
  'test/web/periods-browser.test.ts',
  'test/web/appraisal-browser.test.ts',
  'test/web/corrections-browser.test.ts',
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = SLOW_FIRST.findIndex((s) => f.moduleId.endsWith(`/${s}`));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    // a stable sort: the files outside the list keep vitest's order
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
