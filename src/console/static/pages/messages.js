// Messages: find by id, by key or by time range on a topic; show body and properties; resend.
import { show, api, errorBox, field, fmt, h, notice, query, table } from '../app.js';

function localInput(ms) {
  return new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}

function messageCard(m) {
  const status = h('div');
  const resend = h('button', { type: 'button', class: 'secondary' }, 'Resend to its topic');
  resend.addEventListener('click', async () => {
    resend.disabled = true;
    try {
      const r = await api('/api/messages/resend', { body: { id: m.offsetMsgId, topic: m.topic } });
      status.replaceChildren(notice(`Sent again as ${r.msgId} (${r.sendStatus}).`));
    } catch (err) {
      status.replaceChildren(errorBox(err));
    } finally {
      resend.disabled = false;
    }
  });
  return h(
    'div',
    { class: 'message' },
    h(
      'dl',
      { class: 'kv' },
      [
        ['Message id', m.msgId],
        ['Offset id', m.offsetMsgId],
        ['Topic', `${m.topic} · ${m.brokerName || '?'} queue ${m.queueId} offset ${m.queueOffset}`],
        ['Tags', m.tags || '–'],
        ['Keys', m.keys.join(' ') || '–'],
        ['Stored', `${fmt.time(m.storeTimestamp)} on ${m.storeHost}`],
        ['Born', `${fmt.time(m.bornTimestamp)} at ${m.bornHost}`],
        ['Reconsumed', m.reconsumeTimes],
      ].map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    ),
    h('h3', {}, `Body (${m.bodySize} bytes${m.bodyEncoding === 'base64' ? ', binary: base64' : ''})`),
    h('pre', { class: 'body' }, m.body),
    h('h3', {}, 'Properties'),
    table([['Name', ([k]) => k], ['Value', ([, v]) => v]], Object.entries(m.properties)),
    h('p', {}, resend),
    status,
  );
}

function searchForm(id, title, fields, onSubmit) {
  const form = h('form', { id }, fields, h('button', { type: 'submit' }, 'Find'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    onSubmit(form);
  });
  return h('section', { class: 'panel' }, h('h2', { style: 'margin-top:0' }, title), form);
}

export async function render(main) {
  const results = h('div', { id: 'results' });
  const run = async (path, params) => {
    results.replaceChildren(h('p', { class: 'muted' }, 'Searching…'));
    try {
      const r = await api(`${path}?${new URLSearchParams(params)}`);
      results.replaceChildren(
        h('h2', {}, `${r.messages.length} message${r.messages.length === 1 ? '' : 's'} found${r.limit && r.messages.length >= r.limit ? ` (the first ${r.limit})` : ''}`),
        ...r.messages.map(messageCard),
      );
    } catch (err) {
      results.replaceChildren(errorBox(err));
    }
  };
  const topic = query().get('topic') ?? '';
  const topicInput = () => h('label', {}, 'Topic', h('input', { name: 'topic', required: true, value: topic, size: 24 }));
  show(
    main,
    h('h1', {}, 'Messages'),
    searchForm('by-id', 'By message id', [h('label', {}, 'Message id (client id or offset id)', h('input', { name: 'id', required: true, size: 40 })), h('label', {}, 'Topic (optional)', h('input', { name: 'topic', size: 24 }))], (f) =>
      run('/api/messages/by-id', { id: field(f, 'id'), ...(field(f, 'topic') ? { topic: field(f, 'topic') } : {}) }),
    ),
    searchForm('by-key', 'By key', [topicInput(), h('label', {}, 'Key', h('input', { name: 'key', required: true, size: 24 }))], (f) => run('/api/messages/by-key', { topic: field(f, 'topic'), key: field(f, 'key') })),
    searchForm(
      'by-time',
      'By time range',
      [
        topicInput(),
        h('label', {}, 'From', h('input', { name: 'begin', type: 'datetime-local', step: 1, value: localInput(Date.now() - 3600_000) })),
        h('label', {}, 'To', h('input', { name: 'end', type: 'datetime-local', step: 1, value: localInput(Date.now() + 60_000) })),
      ],
      (f) => run('/api/messages/by-time', { topic: field(f, 'topic'), begin: String(new Date(field(f, 'begin')).getTime()), end: String(new Date(field(f, 'end')).getTime()) }),
    ),
    results,
  );
}
