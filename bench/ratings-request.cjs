// autocannon's setupRequest for bench/ratings.ts, loaded by file path inside autocannon's worker
// thread (functions cannot cross into a worker): one random agent's quarter rating per request.
'use strict';
const agents = Number(process.env.BENCH_RATINGS_AGENTS);
const quarter = process.env.BENCH_RATINGS_QUARTER;
module.exports = (req) => ({
  ...req,
  path: `/v1/ratings/agents/BA${String(1 + Math.floor(Math.random() * agents)).padStart(5, '0')}?period=${quarter}`,
});
