/**
 * Charts with Apache ECharts rendered on the server as SVG (no script in the browser), made safe for
 * the console's CSP (`style` attributes become presentation attributes, ECharts' <style> block goes,
 * ids get a per-chart prefix) and accessible (role="img" with a label; each data bar can be a link
 * with its own label). Rendered charts are kept in an LRU keyed by a hash of their option.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as ECharts from 'echarts';
import { escapeHtml, type Html, trusted } from './html.js';
import type { Lang } from './messages.js';

export interface ChartSpec {
  width: number;
  height: number;
  lang: Lang;
  /** the accessible name of the whole chart */
  label: string;
  option: Record<string, unknown>;
  /** links of data items: (series index, data index) → href and label, or null for none */
  link?: (series: number, index: number) => { href: string; label: string } | null;
  /** a key for the link function's output (part of the cache key) */
  linkKey?: string;
}

/**
 * ECharts, loaded at the first chart drawn: it is the largest module of the service (≈ 0.4–0.7 s to
 * load), and the API, the CLI and most console pages never draw one.
 */
let loaded: typeof ECharts | undefined;
const echarts = (): typeof ECharts => (loaded ??= createRequire(import.meta.url)('echarts') as typeof ECharts);

/** Loads ECharts now: the server does so before it listens, so no console user's first chart pays for it. */
export function loadCharts(): void {
  echarts();
}

const MAX_CACHED = 500;
const cache = new Map<string, string>();
let counter = 0;

export const chartCacheSize = (): number => cache.size;

/** Renders (or reuses) one chart as inline SVG markup. */
export function chart(spec: ChartSpec): Html {
  const key = createHash('sha256')
    .update(JSON.stringify([spec.width, spec.height, spec.lang, spec.label, spec.option, spec.linkKey ?? '']))
    .digest('hex');
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit); // most recently used last
    return trusted(hit);
  }
  const instance = echarts().init(null, null, {
    renderer: 'svg',
    ssr: true,
    width: spec.width,
    height: spec.height,
    locale: spec.lang === 'en' ? 'EN' : 'ZH',
  });
  let svg: string;
  try {
    instance.setOption({ animation: false, ...spec.option });
    svg = instance.renderToSVGString();
  } finally {
    instance.dispose();
  }
  const out = sanitise(svg, `c${(counter++).toString(36)}`, spec);
  cache.set(key, out);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return trusted(out);
}

/** ECharts' SVG → markup the CSP allows, with links on data items and accessible names. */
function sanitise(svg: string, prefix: string, spec: ChartSpec): string {
  let s = svg
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/ style="([^"]*)"/g, (_m, css: string) =>
      css
        .split(';')
        .map((d) => d.trim())
        .filter(Boolean)
        .map((d) => {
          const [prop, ...v] = d.split(':');
          return ` ${prop!.trim()}="${escapeHtml(v.join(':').trim())}"`;
        })
        .join(''),
    )
    .replace(/zr\d+-/g, `${prefix}-`)
    .replace(/ class="[^"]*"/g, '');
  // data items: wrap in a link where one is given
  s = s.replace(
    /<path([^>]*?) ecmeta_series_index="(\d+)" ecmeta_data_index="(\d+)" ecmeta_ssr_type="chart"([^>]*)><\/path>/g,
    (_m, before: string, si: string, di: string, after: string) => {
      const link = spec.link?.(Number(si), Number(di));
      const path = `<path${before}${after}></path>`;
      return link
        ? `<a href="${escapeHtml(link.href)}" aria-label="${escapeHtml(link.label)}">${path.replace('<path', '<path class="bar"')}<title>${escapeHtml(link.label)}</title></a>`
        : path;
    },
  );
  s = s.replace(/ ecmeta_[a-z_]+="[^"]*"/g, '');
  return s
    .replace(
      /^<svg /,
      `<svg role="${spec.link ? 'group' : 'img'}" aria-label="${escapeHtml(spec.label)}" class="chart" preserveAspectRatio="xMinYMin meet" `,
    )
    .replace(/ width="\d+" height="\d+"/, '');
}

/**
 * Where a waterfall's value axis should start when 0 would squash it: the running totals (the first
 * step is the level, drawn from 0) all positive and far from 0, so the drivers would be slivers on top
 * of a tall level bar. Returns a round value under the lowest total, leaving room below it of half the
 * totals' spread, or null to keep the axis at 0 (a total at or below 0, totals within 60 % of 0's
 * distance, or nothing moving).
 */
export function waterfallAxisMin(steps: readonly number[]): number | null {
  let run = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const d of steps) {
    run += d;
    lo = Math.min(lo, run);
    hi = Math.max(hi, run);
  }
  if (!(lo > 0) || lo <= 0.4 * hi || hi === lo) return null;
  const spread = hi - lo;
  const step = 10 ** Math.floor(Math.log10(spread));
  const min = Math.floor((lo - spread / 2) / step) * step;
  return min > 0 ? min : null;
}
