// The console's shell: nav bar, API calls, DOM helpers, and the page its path names.

/** Calls the JSON API; a non-2xx answer throws its one-line error. */
export async function api(path, options = {}) {
  let res;
  try {
    res = await fetch(path, options.body === undefined ? options : { ...options, method: options.method ?? 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(options.body) });
  } catch (err) {
    throw new Error(`the console server does not answer (${err.message})`);
  }
  let data;
  try {
    data = await res.json();
  } catch {
    throw new Error(`the console server answered ${res.status} without JSON`);
  }
  if (!res.ok) throw new Error(data.error ?? `HTTP ${res.status}`);
  return data;
}

/** Builds an element: h('td', { class: 'num' }, 'text', child, ...). Text is never parsed as HTML. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** A table: columns are [header, (row) => cell, 'num'?]. */
export function table(columns, rows, empty = 'Nothing to show.') {
  if (rows.length === 0) return h('p', { class: 'muted' }, empty);
  return h(
    'div',
    { class: 'table' },
    h(
      'table',
      {},
    h('thead', {}, h('tr', {}, columns.map(([title, , cls]) => h('th', { class: cls }, title)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, columns.map(([, cell, cls]) => h('td', { class: cls }, cell(r)))))),
    ),
  );
}

/** Replaces a container's content; null, undefined and false children are left out. */
export function show(container, ...children) {
  container.replaceChildren(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false));
}

export function errorBox(err) {
  return h('div', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err));
}

export function notice(text) {
  return h('div', { class: 'notice', role: 'status' }, text);
}

export const fmt = {
  num: (v, digits = 0) => (v === undefined || v === null ? '–' : Number(v).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })),
  time: (ms) => (ms ? new Date(ms).toLocaleString('sv-SE') : '–'),
  pct: (ratio) => (ratio === undefined || ratio === null || ratio < 0 ? '–' : `${(ratio * 100).toFixed(1)} %`),
};

export function stateBadge(state) {
  return h('span', { class: `state ${state}` }, state);
}

/** The page's query parameters, and a link to the same page with some changed. */
export const query = () => new URLSearchParams(location.search);
export function pageLink(params) {
  const q = new URLSearchParams(params);
  return `${location.pathname}?${q}`;
}

/** Value of a form's field by name. */
export const field = (form, name) => form.elements.namedItem(name).value.trim();

const PAGES = ['cluster', 'topics', 'groups', 'messages', 'upgrade'];

async function boot() {
  const page = PAGES.includes(location.pathname.slice(1)) ? location.pathname.slice(1) : 'cluster';
  for (const a of document.querySelectorAll('#nav a')) if (a.getAttribute('href') === `/${page}`) a.classList.add('active');
  const main = document.getElementById('main');
  api('/api/overview').then(
    (o) => (document.getElementById('namesrv').textContent = `NameServers ${o.namesrvAddr}`),
    () => {},
  );
  try {
    const mod = await import(`/static/pages/${page}.js`);
    await mod.render(main);
  } catch (err) {
    show(main, errorBox(err));
  }
  document.body.dataset.ready = page;
}

boot();
