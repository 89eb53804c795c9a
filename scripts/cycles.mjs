#!/usr/bin/env node
// Fails when src/ (or bench/, training/) holds an import cycle, type-only imports included:
// arrows run one way (entries → app → routes | web → services → domain → db | jobs | lib).
import madge from 'madge';

const res = await madge(['src', 'bench', 'training'], {
  fileExtensions: ['ts'],
  tsConfig: 'tsconfig.json',
  detectiveOptions: { ts: { skipTypeImports: false }, es6: { skipTypeImports: false } },
});
const cycles = res.circular();
if (cycles.length > 0) {
  console.error(`import cycles (${cycles.length}):`);
  for (const c of cycles) console.error(`  ${[...c, c[0]].join(' → ')}`);
  process.exit(1);
}
console.log(`no import cycles in ${Object.keys(res.obj()).length} modules`);
