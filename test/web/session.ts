/** A browser of sorts for inject tests of the console: keeps cookies, reads the CSRF token of the last page. */
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from '../helpers/app.js';

export class Browser {
  cookies = new Map<string, string>();
  csrf = '';
  constructor(private readonly t: TestApp) {}
  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  private keep(res: LightMyRequestResponse) {
    for (const c of res.cookies as { name: string; value: string; expires?: Date }[]) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (m) this.csrf = m[1]!;
    return res;
  }
  async get(url: string, headers: Record<string, string> = {}) {
    return this.keep(await this.t.app.inject({ url, headers: { cookie: this.cookieHeader(), ...headers } }));
  }
  async post(url: string, form: Record<string, string>, withCsrf = true) {
    const payload = new URLSearchParams({ ...(withCsrf ? { _csrf: this.csrf } : {}), ...form }).toString();
    return this.keep(
      await this.t.app.inject({
        method: 'POST',
        url,
        payload,
        headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
  }
  /** A multipart form with one file (the console's upload forms), the CSRF token first. */
  async upload(
    url: string,
    fields: Record<string, string>,
    file: { name: string; type?: string; body: string | Buffer },
    headers: Record<string, string> = {},
  ) {
    const boundary = `----kpi${Date.now().toString(36)}`;
    const parts: Buffer[] = [];
    for (const [k, v] of Object.entries({ _csrf: this.csrf, ...fields }))
      parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${file.name}"\r\ncontent-type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      Buffer.isBuffer(file.body) ? file.body : Buffer.from(file.body),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    );
    return this.keep(
      await this.t.app.inject({
        method: 'POST',
        url,
        payload: Buffer.concat(parts),
        headers: {
          cookie: this.cookieHeader(),
          'content-type': `multipart/form-data; boundary=${boundary}`,
          ...headers,
        },
      }),
    );
  }
  async signIn(key: string) {
    await this.get('/login');
    return this.post('/login', { key });
  }
}
