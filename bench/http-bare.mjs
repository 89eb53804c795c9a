// The anchor of bench/http.ts: a bare Fastify answering GET / in its own process (no logger,
// no plugins), listening on a free port it prints as `port=N`.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`port=${new URL(address).port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
