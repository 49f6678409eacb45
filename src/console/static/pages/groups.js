// Consumer groups: the list with their backlog, one group's per-queue lag and connections, and
// resetting its offsets to a point in time.
import { show, api, errorBox, field, fmt, h, notice, pageLink, query, table } from '../app.js';

/** `YYYY-MM-DDTHH:MM:SS` in local time, as a datetime-local input takes it. */
function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
}

function resetForm(main, g) {
  // The group's own topics first, its retry topic last.
  const topics = [...new Set(g.queues.map((q) => q.topic))].sort((a, b) => Number(a.startsWith('%')) - Number(b.startsWith('%')) || a.localeCompare(b));
  const status = h('div');
  const form = h(
    'form',
    { id: 'reset-form' },
    h('label', {}, 'Topic', h('select', { name: 'topic' }, topics.map((t) => h('option', { value: t }, t)))),
    h('label', {}, 'To the first message stored at or after', h('input', { name: 'time', type: 'datetime-local', step: 1, value: localInput(Date.now() - 3600_000) })),
    h('button', { type: 'submit' }, 'Reset offset'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const local = field(form, 'time');
    const time = local ? new Date(local).getTime() : NaN;
    if (!Number.isFinite(time)) {
      status.replaceChildren(errorBox('Choose a date and time.'));
      return;
    }
    try {
      const r = await api(`/api/groups/${encodeURIComponent(g.group)}/reset-offset`, { body: { topic: field(form, 'topic'), time } });
      await render(main, notice(`Offsets of ${r.group} on ${r.topic} reset to ${fmt.time(r.timestamp)}: ${r.offsets.map((o) => `${o.brokerName}/${o.queueId} → ${o.offset}`).join(', ') || 'no queue'}.`));
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
  });
  return topics.length ? [form, status] : h('p', { class: 'muted' }, 'The group has no offsets to reset yet.');
}

function groupDetail(main, g) {
  return h(
    'section',
    { class: 'panel', id: 'group-detail' },
    h('h2', {}, `Consumer group ${g.group}`),
    h('p', {}, 'Backlog: ', h('strong', { id: 'group-diff' }, fmt.num(g.diffTotal)), ` messages · consume TPS ${fmt.num(g.consumeTps, 1)}`),
    h('h3', {}, 'Lag per queue'),
    table(
      [
        ['Topic', (q) => q.topic],
        ['Broker', (q) => q.brokerName],
        ['Queue', (q) => q.queueId, 'num'],
        ['Broker offset', (q) => fmt.num(q.brokerOffset), 'num'],
        ['Consumer offset', (q) => fmt.num(q.consumerOffset), 'num'],
        ['Diff', (q) => fmt.num(q.diff), 'num'],
        ['Last consumed', (q) => fmt.time(q.lastTimestamp)],
      ],
      g.queues,
    ),
    h('h3', {}, 'Connections'),
    g.connectionError ? h('p', { class: 'muted', title: g.connectionError }, 'No consumer of this group is online.') : null,
    g.connectionError
      ? null
      : table(
          [
            ['Client id', (c) => c.clientId],
            ['Address', (c) => c.clientAddr],
            ['Language', (c) => c.language],
            ['Version', (c) => c.version],
          ],
          g.connections,
          'No consumer of this group is online.',
        ),
    g.subscriptions.length ? h('p', { class: 'muted' }, 'Subscribes to ', g.subscriptions.map((s) => `${s.topic} (${s.expression})`).join(', ')) : null,
    h('h3', {}, 'Reset offset by time'),
    resetForm(main, g),
  );
}

export async function render(main, banner) {
  const selected = query().get('group');
  const head = [h('h1', {}, 'Consumer groups'), banner ?? null];
  let list;
  try {
    list = await api('/api/groups');
  } catch (err) {
    show(main, ...head, errorBox(err));
    return;
  }
  let detail = null;
  if (selected) {
    try {
      detail = groupDetail(main, await api(`/api/groups/${encodeURIComponent(selected)}`));
    } catch (err) {
      detail = errorBox(err);
    }
  }
  show(
    main,
    ...head,
    h(
      'div',
      { class: 'split' },
      h(
        'section',
        { class: 'panel list' },
        h('h2', { style: 'margin-top:0' }, `${list.length} group${list.length === 1 ? '' : 's'}`),
        table(
          [
            ['Group', (g) => h('a', { href: pageLink({ group: g.group }), class: g.group === selected ? 'selected' : undefined }, g.group)],
            ['Backlog', (g) => (g.error ? h('span', { class: 'muted', title: g.error }, 'no offsets') : fmt.num(g.diffTotal)), 'num'],
          ],
          list,
          'No consumer groups.',
        ),
      ),
      detail ?? h('section', { class: 'panel muted' }, 'Choose a group to see its lag per queue and its connections.'),
    ),
  );
}
