// Progressive enhancement, served as /ui/assets/app.js. Without JavaScript the pages refresh with a
// <noscript> meta refresh; with it, the page swaps in a fresh <main> in place (no flash, scroll kept)
// and pauses while the user types in a field or has a details element open.
export const APP_JS = `
(() => {
  const seconds = Number(document.body.dataset.refresh || 0);
  if (!seconds) return;
  const busy = () => {
    const a = document.activeElement;
    return a && ['INPUT', 'SELECT', 'TEXTAREA'].includes(a.tagName);
  };
  const tick = async () => {
    if (document.hidden || busy()) return;
    try {
      const res = await fetch(location.href, { headers: { 'x-procwatch-refresh': '1' }, credentials: 'same-origin' });
      if (res.redirected || !res.ok) { location.reload(); return; }
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const fresh = doc.querySelector('main');
      const current = document.querySelector('main');
      if (fresh && current) current.replaceWith(fresh);
      const stamp = doc.querySelector('#updated');
      const mine = document.querySelector('#updated');
      if (stamp && mine) mine.textContent = stamp.textContent;
      document.body.classList.remove('unreachable');
    } catch {
      // Collector unreachable: keep the last page, say so loudly (a wall screen must not look
      // fine while frozen), and try again on the next tick.
      document.body.classList.add('unreachable');
    }
  };
  setInterval(tick, seconds * 1000);
})();
`;
