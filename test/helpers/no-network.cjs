// Preloaded (node --require) into a tool that must not reach the network: every outgoing
// connection, DNS lookup or fetch is refused and written to the file NO_NETWORK_LOG names.
const fs = require('node:fs');
const net = require('node:net');
const dns = require('node:dns');

const log = (what) => {
  if (process.env.NO_NETWORK_LOG) fs.appendFileSync(process.env.NO_NETWORK_LOG, `${what}\n`);
  return new Error(`network access refused: ${what}`);
};
const describe = (args) => {
  const [a, b] = args;
  if (a && typeof a === 'object') return `${a.host ?? a.path ?? ''}:${a.port ?? ''}`;
  return `${b ?? ''}:${a ?? ''}`;
};

net.Socket.prototype.connect = function connect(...args) {
  const err = log(`connect ${describe(args)}`);
  process.nextTick(() => this.destroy(err));
  return this;
};
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6']) {
  const original = dns[name];
  if (typeof original !== 'function') continue;
  dns[name] = (host, ...rest) => {
    const cb = rest.find((r) => typeof r === 'function');
    const err = log(`dns ${name} ${host}`);
    if (cb) process.nextTick(() => cb(err));
  };
}
globalThis.fetch = async (input) => {
  throw log(`fetch ${typeof input === 'string' ? input : (input?.url ?? String(input))}`);
};
