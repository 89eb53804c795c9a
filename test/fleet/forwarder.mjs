#!/usr/bin/env node
// TCP forwarder of the fleet test (test/fleet/hosts.ts), a process of its own so the test's load
// client never slows the hosts' way to PostgreSQL and Redis: `node forwarder.mjs ADDR:PORT=TOPORT …`
// listens on each ADDR:PORT and pipes every connection to 127.0.0.1:TOPORT; prints "ready" once listening.
import net from 'node:net';

const pairs = process.argv.slice(2).map((a) => {
  const m = /^(.+):(\d+)=(\d+)$/.exec(a);
  if (!m) throw new Error(`expected ADDR:PORT=TOPORT, got ${a}`);
  return { host: m[1], port: Number(m[2]), to: Number(m[3]) };
});
await Promise.all(
  pairs.map(
    ({ host, port, to }) =>
      new Promise((resolve, reject) => {
        const server = net.createServer((client) => {
          const upstream = net.connect({ host: '127.0.0.1', port: to });
          client.setNoDelay(true);
          upstream.setNoDelay(true);
          client.pipe(upstream).pipe(client);
          const end = () => {
            client.destroy();
            upstream.destroy();
          };
          for (const s of [client, upstream]) {
            s.on('error', end);
            s.on('close', end);
          }
        });
        server.once('error', reject);
        server.listen(port, host, resolve);
      }),
  ),
);
process.stdout.write('ready\n');
