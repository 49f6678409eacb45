// Upgrade: the state of `apogee upgrade` on the console's local cluster, or how to start one.
import { show, api, errorBox, fmt, h, notice, stateBadge } from '../app.js';

const REFRESH_MS = 3000;

async function draw(main) {
  let u;
  try {
    u = await api('/api/upgrade');
  } catch (err) {
    show(main, h('h1', {}, 'Rolling upgrade'), errorBox(err));
    return;
  }
  if (!u.configured || !u.steps) {
    show(main, h('h1', {}, 'Rolling upgrade'), notice(u.hint));
    return;
  }
  const outcome = u.finishedAt ? 'finished' : u.aborted ? 'stopped' : 'running';
  show(
    main,
    h('h1', {}, 'Rolling upgrade'),
    u.aborted ? h('div', { class: 'error', role: 'alert' }, `Stopped: ${u.aborted}. Fix the cause, then run apogee upgrade --cluster ${u.cluster} --resume (or --rollback).`) : null,
    h(
      'section',
      { class: 'panel' },
      h(
        'dl',
        { class: 'kv' },
        [
          ['Direction', u.direction],
          ['State', h('span', { id: 'upgrade-outcome' }, outcome)],
          ['Target release', u.targets.map((t) => `${t.version} (${t.install}) for ${t.nodes.length} node${t.nodes.length === 1 ? '' : 's'}`).join('; ') || '–'],
          ['Started', fmt.time(Date.parse(u.startedAt))],
          ['Finished', u.finishedAt ? fmt.time(Date.parse(u.finishedAt)) : '–'],
          ['Steps done', `${u.done} of ${u.steps.length}`],
          ['State file', u.statePath],
        ].map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
      ),
    ),
    h('section', { class: 'panel' }, h('h2', { style: 'margin-top:0' }, 'Steps'), h('ol', { class: 'steps' }, u.steps.map((s) => h('li', {}, stateBadge(s.status), h('code', {}, s.id))))),
  );
}

export async function render(main) {
  await draw(main);
  setInterval(() => void draw(main), REFRESH_MS);
}
