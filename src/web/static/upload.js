/*
 * The upload form (/upload, the override import): sent with XMLHttpRequest so the page can show the
 * upload's progress, the answer (counts, or the table of row errors) swapped into <main>. Without
 * this script the form posts as a plain page and the answer is the same.
 */
(() => {
  document.addEventListener('submit', (e) => {
    const form = e.target;
    if (!form?.hasAttribute?.('data-upload')) return;
    if (!window.XMLHttpRequest || !window.FormData) return;
    e.preventDefault();
    const box = form.querySelector('[data-upload-status]');
    const bar = box ? box.querySelector('progress') : null;
    const text = box ? box.querySelector('[role="status"]') : null;
    const button = form.querySelector('button[type="submit"]');
    const say = (template, pct) => {
      if (text) text.textContent = (template || '').replace('{pct}', String(pct));
    };
    if (box) box.hidden = false;
    if (button) button.disabled = true;
    if (bar) bar.value = 0;
    say(form.dataset.sending, 0);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.getAttribute('action') || window.location.pathname);
    xhr.setRequestHeader('X-Partial', 'main');
    xhr.upload.addEventListener('progress', (ev) => {
      if (!ev.lengthComputable) return;
      const pct = Math.round((ev.loaded / ev.total) * 100);
      if (bar) bar.value = pct;
      say(form.dataset.sending, pct);
    });
    xhr.upload.addEventListener('load', () => {
      // sent: the server checks and writes now (no figure for that, the bar turns indeterminate)
      if (bar) bar.removeAttribute('value');
      say(form.dataset.processing, 100);
    });
    xhr.addEventListener('load', () => {
      if (xhr.responseURL && new URL(xhr.responseURL).pathname === '/login') {
        window.location.assign(xhr.responseURL);
        return;
      }
      const main = document.getElementById('main');
      if (!main) return;
      main.innerHTML = xhr.responseText;
      const result =
        main.querySelector('[data-upload-result] h2') ||
        main.querySelector('[data-upload-result]') ||
        main.querySelector('h1');
      if (result) {
        if (!result.hasAttribute('tabindex')) result.setAttribute('tabindex', '-1');
        result.focus();
      }
    });
    xhr.addEventListener('error', () => {
      if (button) button.disabled = false;
      say(form.dataset.failed, 0);
    });
    xhr.send(new FormData(form));
  });
})();
