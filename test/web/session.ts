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
  async signIn(key: string) {
    await this.get('/login');
    return this.post('/login', { key });
  }
}
