// Topics: the list, one topic's route and queue offsets, create/update, and its permission.
import { show, api, errorBox, field, fmt, h, notice, pageLink, query, table } from '../app.js';

const PERMS = [
  ['6', 'read and write (RW)'],
  ['4', 'read only (R)'],
  ['2', 'write only (W)'],
];

function permSelect(name, selected = '6') {
  return h('select', { name }, PERMS.map(([v, text]) => h('option', { value: v, selected: v === String(selected) }, text)));
}

function saveForm(main, topic) {
  const status = h('div');
  const form = h(
    'form',
    { id: 'topic-form' },
    h('label', {}, 'Topic', h('input', { name: 'topic', required: true, value: topic?.topic ?? '', placeholder: 'OrderTopic', size: 28 })),
    h('label', {}, 'Read queues', h('input', { name: 'readQueueNums', type: 'number', min: 1, max: 1024, value: topic?.queues[0]?.readQueueNums ?? 8 })),
    h('label', {}, 'Write queues', h('input', { name: 'writeQueueNums', type: 'number', min: 1, max: 1024, value: topic?.queues[0]?.writeQueueNums ?? 8 })),
    h('label', {}, 'Permission', permSelect('perm', topic?.queues[0]?.perm ?? '6')),
    h('label', {}, 'Cluster (empty: every master)', h('input', { name: 'cluster', placeholder: 'DefaultCluster' })),
    h('button', { type: 'submit' }, topic ? 'Update topic' : 'Create topic'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const r = await api('/api/topics', {
        body: { topic: field(form, 'topic'), readQueueNums: field(form, 'readQueueNums'), writeQueueNums: field(form, 'writeQueueNums'), perm: field(form, 'perm'), cluster: field(form, 'cluster') || undefined },
      });
      status.replaceChildren(notice(`Topic ${r.topic} saved on ${r.brokers.join(', ')}.`));
      history.replaceState(null, '', pageLink({ topic: r.topic }));
      await render(main, status.firstChild);
    } catch (err) {
      status.replaceChildren(errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  return [form, status];
}

function topicDetail(main, t) {
  const permStatus = h('div');
  const permForm = h('form', { id: 'perm-form' }, h('label', {}, 'Permission of every queue', permSelect('perm', t.queues[0]?.perm ?? 6)), h('button', { type: 'submit', class: 'secondary' }, 'Change permission'));
  permForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await api(`/api/topics/${encodeURIComponent(t.topic)}/perm`, { body: { perm: field(permForm, 'perm') } });
      await render(main, notice(`Permission of ${r.topic} set to ${r.perm} on ${r.brokers.join(', ')}.`));
    } catch (err) {
      permStatus.replaceChildren(errorBox(err));
    }
  });
  return h(
    'section',
    { class: 'panel', id: 'topic-detail' },
    h('h2', {}, `Topic ${t.topic}`),
    h('h3', {}, 'Route: brokers'),
    table(
      [
        ['Broker', (b) => b.brokerName],
        ['Cluster', (b) => b.cluster],
        ['Addresses', (b) => b.addrs.map((a) => `${a.brokerId === 0 ? 'master' : `slave ${a.brokerId}`} ${a.addr}`).join(', ')],
      ],
      t.brokers,
    ),
    h('h3', {}, 'Route: queues'),
    table(
      [
        ['Broker', (q) => q.brokerName],
        ['Read queues', (q) => q.readQueueNums, 'num'],
        ['Write queues', (q) => q.writeQueueNums, 'num'],
        ['Permission', (q) => `${q.permText} (${q.perm})`],
      ],
      t.queues,
    ),
    permForm,
    permStatus,
    h('h3', {}, 'Queue offsets'),
    table(
      [
        ['Broker', (o) => o.brokerName],
        ['Queue', (o) => o.queueId, 'num'],
        ['Min offset', (o) => fmt.num(o.minOffset), 'num'],
        ['Max offset', (o) => fmt.num(o.maxOffset), 'num'],
        ['Last update', (o) => fmt.time(o.lastUpdateTimestamp)],
      ],
      t.offsets,
    ),
    h('h3', {}, 'Consumer groups'),
    t.groups.length ? h('p', {}, t.groups.map((g, i) => [i ? ', ' : '', h('a', { href: `/groups?group=${encodeURIComponent(g)}` }, g)])) : h('p', { class: 'muted' }, 'No group consumes it.'),
    h('h3', {}, 'Update'),
    saveForm(main, t),
  );
}

export async function render(main, banner) {
  const selected = query().get('topic');
  const showAll = query().get('all') === '1';
  const head = [h('h1', {}, 'Topics'), banner ?? null];
  let list;
  try {
    list = await api('/api/topics');
  } catch (err) {
    show(main, ...head, errorBox(err));
    return;
  }
  const shown = list.filter((t) => showAll || t.kind === 'normal');
  let detail = null;
  if (selected) {
    try {
      detail = topicDetail(main, await api(`/api/topics/${encodeURIComponent(selected)}`));
    } catch (err) {
      detail = errorBox(err);
    }
  }
  show(
    main,
    ...head,
    h('section', { class: 'panel' }, h('h2', { style: 'margin-top:0' }, 'Create a topic'), saveForm(main)),
    h(
      'div',
      { class: 'split' },
      h(
        'section',
        { class: 'panel list' },
        h('h2', { style: 'margin-top:0' }, `${shown.length} topic${shown.length === 1 ? '' : 's'}`),
        h('p', {}, h('a', { href: pageLink(showAll ? {} : { all: '1' }) }, showAll ? 'Hide retry, DLQ and system topics' : 'Show retry, DLQ and system topics')),
        table([['Topic', (t) => h('a', { href: pageLink({ topic: t.topic, ...(showAll ? { all: '1' } : {}) }), class: t.topic === selected ? 'selected' : undefined }, t.topic)], ['Kind', (t) => t.kind]], shown, 'No topics.'),
      ),
      detail ?? h('section', { class: 'panel muted' }, 'Choose a topic to see its route, queues and offsets.'),
    ),
  );
}
