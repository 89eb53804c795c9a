/** The console's own script and style, read once from src/web/static and served with a content hash. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const DIR = new URL('./static/', import.meta.url);
export const ASSETS: Record<string, { body: Buffer; type: string; hash: string }> = {};
for (const [name, type] of [
  ['console.css', 'text/css; charset=utf-8'],
  ['console.js', 'text/javascript; charset=utf-8'],
  ['upload.js', 'text/javascript; charset=utf-8'],
  ['weights.js', 'text/javascript; charset=utf-8'],
] as const) {
  const body = readFileSync(new URL(name, DIR));
  ASSETS[name] = { body, type, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) };
}

export const assetUrl = (name: string): string => `/static/${name}?v=${ASSETS[name]?.hash ?? '0'}`;
