/**
 * Test hosts for the fleet test: each process in its own network namespace (`ip netns`), joined
 * to this one by a veth pair on a /30 of its own. PostgreSQL and Redis listen on this namespace's
 * loopback only, so a TCP forwarder (forwarder.mjs, a process of its own) on each veth's host side
 * carries the host's traffic to them (the host sees its database at its gateway address, as a real host would a remote one).
 * Without the rights to make namespaces, every "host" is this machine's loopback on its own port
 * (`isolated: false`; the test says so).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface Host {
  name: string;
  /** The address the host's processes listen on (the namespace side, or 127.0.0.1). */
  address: string;
  /** The host's way to PostgreSQL and Redis (its gateway, or 127.0.0.1). */
  gateway: string;
  /** The host's HTTP port. */
  port: number;
  /** Runs `argv` on this host. */
  spawn(argv: string[], env: NodeJS.ProcessEnv): ChildProcess;
}

export interface Network {
  isolated: boolean;
  hosts: Host[];
  /** `postgres://…@127.0.0.1:5432/x` as seen from `host`. */
  rewrite(url: string, host: Host): string;
  dispose(): Promise<void>;
}

const ip = (args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

/** Starts the forwarder process (test/fleet/forwarder.mjs) for `pairs` (`ADDR:PORT=TOPORT`). */
async function startForwarder(pairs: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [new URL('./forwarder.mjs', import.meta.url).pathname, ...pairs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b;
      if (out.includes('ready')) resolve();
    });
    child.stderr!.on('data', (b: Buffer) => (out += b));
    child.on('exit', (code) => reject(new Error(`forwarder exited (${code}): ${out}`)));
  });
  return child;
}

/** Makes `names.length` hosts; `ports` are the services to forward (PostgreSQL's and Redis's ports). */
export async function makeNetwork(names: string[], ports: number[], basePort: number): Promise<Network> {
  const id = randomBytes(2).toString('hex').slice(0, 3);
  const probe = ip(['netns', 'add', `kpif-${id}-probe`]);
  if (probe.status !== 0) return loopbackNetwork(names, basePort, probe.stderr.trim());
  ip(['netns', 'del', `kpif-${id}-probe`]);

  const a = 100 + Math.floor(Math.random() * 150);
  const b = Math.floor(Math.random() * 250);
  const made: { ns: string; veth: string }[] = [];
  const forwards: string[] = [];
  let forwarder: ChildProcess | undefined;
  const hosts: Host[] = [];
  const dispose = async () => {
    if (forwarder && forwarder.exitCode === null) {
      const gone = new Promise((r) => forwarder!.once('exit', r));
      forwarder.kill('SIGKILL');
      await gone;
    }
    for (const { ns, veth } of made) {
      ip(['link', 'del', veth]);
      ip(['netns', 'del', ns]);
    }
  };
  try {
    for (const [i, name] of names.entries()) {
      const ns = `kpif-${id}-${i}`;
      const veth = `kf${id}h${i}`;
      const inner = `kf${id}n${i}`;
      const gateway = `10.${a}.${b}.${4 * i + 1}`;
      const address = `10.${a}.${b}.${4 * i + 2}`;
      for (const args of [
        ['netns', 'add', ns],
        ['link', 'add', veth, 'type', 'veth', 'peer', 'name', inner],
        ['link', 'set', inner, 'netns', ns],
        ['addr', 'add', `${gateway}/30`, 'dev', veth],
        ['link', 'set', veth, 'up'],
        ['-n', ns, 'addr', 'add', `${address}/30`, 'dev', inner],
        ['-n', ns, 'link', 'set', inner, 'up'],
        ['-n', ns, 'link', 'set', 'lo', 'up'],
      ]) {
        const r = ip(args);
        if (args[1] === 'add' && args[0] === 'netns' && r.status === 0) made.push({ ns, veth });
        if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
      }
      for (const port of ports) forwards.push(`${gateway}:${port}=${port}`);
      hosts.push({
        name,
        address,
        gateway,
        port: 3000,
        spawn: (argv, env) =>
          spawn('ip', ['netns', 'exec', ns, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() }),
      });
    }
    forwarder = await startForwarder(forwards);
  } catch (err) {
    await dispose();
    throw err;
  }
  return {
    isolated: true,
    hosts,
    rewrite: (url, host) => {
      const u = new URL(url);
      u.hostname = host.gateway;
      return u.toString();
    },
    dispose,
  };
}

function loopbackNetwork(names: string[], basePort: number, why: string): Network {
  console.warn(`!! fleet test: no network namespaces here (${why}); every host is 127.0.0.1 on its own port`);
  return {
    isolated: false,
    hosts: names.map((name, i) => ({
      name,
      address: '127.0.0.1',
      gateway: '127.0.0.1',
      port: basePort + i,
      spawn: (argv, env) =>
        spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() }),
    })),
    rewrite: (url) => url,
    dispose: async () => {},
  };
}
