import net from 'node:net';

export interface ServiceAvailability {
  postgres: boolean;
  redis: boolean;
  postgresUrl: string;
  redisUrl: string;
}

/** Test-only connection targets: the services .ci/run starts. Overridable for other machines. */
export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function portOpen(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function probeServices(): Promise<ServiceAvailability> {
  const [postgres, redis] = await Promise.all([portOpen(TEST_POSTGRES_URL, 5432), portOpen(TEST_REDIS_URL, 6379)]);
  return { postgres, redis, postgresUrl: TEST_POSTGRES_URL, redisUrl: TEST_REDIS_URL };
}
