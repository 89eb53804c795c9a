/*
 * The console's only script (served from /static, no inline code): partial updates. A form or link
 * marked data-partial fetches the same URL with "X-Partial: main" and swaps the <main> content,
 * keeping the focused control (by id) and the address bar in step. Without this script every form
 * and link still works as a plain page load.
 */
(() => {
  const main = () => document.getElementById('main');
  let pending = null;

  function load(url, push, focusHeading) {
    const region = main();
    if (!region || !window.fetch) {
      window.location.assign(url);
      return;
    }
    const focusedId =
      document.activeElement && region.contains(document.activeElement) ? document.activeElement.id : '';
    if (pending) pending.abort();
    pending = new AbortController();
    region.setAttribute('aria-busy', 'true');
    fetch(url, { headers: { 'X-Partial': 'main' }, credentials: 'same-origin', signal: pending.signal })
      .then((res) => {
        if (res.redirected || res.status === 401) {
          window.location.assign(res.url);
          return;
        }
        return res.text().then((text) => {
          region.innerHTML = text;
          region.removeAttribute('aria-busy');
          if (push) window.history.pushState({ partial: true }, '', url);
          const title = region.querySelector('h1');
          if (title) document.title = `${title.textContent} · ${document.title.split(' · ').pop()}`;
          const again = focusedId && !focusHeading ? document.getElementById(focusedId) : null;
          if (again) again.focus();
          else if (focusHeading && title) title.focus();
        });
      })
      .catch((err) => {
        if (err && err.name === 'AbortError') return;
        window.location.assign(url);
      });
  }

  function submit(form) {
    const params = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v !== '') params.append(k, v);
    const action = form.getAttribute('action') || window.location.pathname;
    const q = params.toString();
    load(q ? `${action}?${q}` : action, true, false);
  }

  document.addEventListener('change', (e) => {
    const form = e.target?.form;
    if (form?.hasAttribute('data-partial') && e.target.type !== 'text' && e.target.type !== 'search') submit(form);
  });
  document.addEventListener('submit', (e) => {
    const form = e.target;
    if (form.hasAttribute('data-partial') && (form.method || 'get').toLowerCase() === 'get') {
      e.preventDefault();
      submit(form);
    }
  });
  document.addEventListener('click', (e) => {
    const a = e.target.closest?.('a[data-partial]');
    if (!a || e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    load(a.href, true, true);
  });
  window.addEventListener('popstate', () => load(window.location.href, false, true));
})();

/*
 * Live regions that ask for it (data-refresh="N", e.g. the jobs' progress): the page's partial is
 * fetched again every 3 seconds while the region is there and nothing in it has the focus; the page
 * stops asking for it once nothing is left running.
 */
(() => {
  const tick = () => {
    const region = document.querySelector('[data-refresh]');
    // not while a control inside has the focus (a keyboard user about to cancel a job keeps it)
    if (!region || !window.fetch || document.hidden || region.contains(document.activeElement)) return;
    fetch(window.location.href, { headers: { 'X-Partial': 'main' }, credentials: 'same-origin' })
      .then((res) => (res.ok && !res.redirected ? res.text() : null))
      .then((text) => {
        if (text === null) return;
        const doc = new DOMParser().parseFromString(`<div>${text}</div>`, 'text/html');
        const fresh = doc.getElementById(region.id);
        if (fresh) region.replaceWith(fresh);
      })
      .catch(() => undefined);
  };
  window.setInterval(() => {
    const region = document.querySelector('[data-refresh]');
    if (region) tick();
  }, 3000);
})();
