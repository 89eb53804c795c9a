/*
 * The weight-profile form (/weights): the sum of the four weights shown as one types, and the form
 * refused by the browser until it is 100 (the server checks again).
 */
(() => {
  const check = (form) => {
    const inputs = [...form.querySelectorAll('[data-weight]')];
    const out = form.querySelector('[data-sum-out]');
    const sum = inputs.reduce((a, i) => a + (Number.parseFloat(i.value) || 0), 0);
    const shown = Math.round(sum * 100) / 100;
    const ok = Math.abs(sum - 100) < 0.01;
    const message = ok ? '' : (form.dataset.bad || '').replace('{sum}', String(shown));
    for (const i of inputs) i.setCustomValidity('');
    if (!ok && inputs[inputs.length - 1]) inputs[inputs.length - 1].setCustomValidity(message);
    if (out) {
      out.textContent = ok ? (form.dataset.sum || '').replace('{sum}', String(shown)) : message;
      out.classList.toggle('bad', !ok);
    }
  };
  document.addEventListener('input', (e) => {
    const form = e.target?.form;
    if (form?.hasAttribute('data-weights') && e.target.hasAttribute('data-weight')) check(form);
  });
  const init = () => {
    for (const form of document.querySelectorAll('form[data-weights]')) check(form);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
