// Cluster: NameServers and brokers with their state, and plots of TPS and replication lag.
import { show, api, errorBox, fmt, h, stateBadge, table } from '../app.js';
import { lineChart } from '../chart.js';

const REFRESH_MS = 5000;

async function draw(main) {
  let snapshot;
  let history;
  try {
    [snapshot, history] = await Promise.all([api('/api/cluster'), api('/api/cluster/history')]);
  } catch (err) {
    show(main, h('h1', {}, 'Cluster'), errorBox(err));
    return;
  }
  const downNs = snapshot.namesrvs.filter((n) => n.state === 'down');
  const problems = [
    ...downNs.map((n) => `NameServer ${n.addr} is down: ${n.error ?? 'no answer'}`),
    ...snapshot.brokers.filter((b) => b.state === 'down').map((b) => `Broker ${b.brokerName}/${b.brokerId} at ${b.addr} is unreachable: ${b.error ?? 'no NameServer lists it'}`),
  ];
  const brokers = snapshot.brokers;
  const labels = [...new Set(history.samples.flatMap((s) => Object.keys(s.brokers)))].sort();
  const series = (pick, filter = () => true) =>
    labels.filter(filter).map((name) => ({ name, points: history.samples.map((s) => [s.at, s.brokers[name] ? pick(s.brokers[name]) : undefined]) }));
  const isSlave = (label) => !label.endsWith('/0');
  show(
    main,
    h('h1', {}, 'Cluster'),
    problems.length ? h('div', { class: 'error', role: 'alert' }, problems.map((p) => h('div', {}, p))) : null,
    h('h2', {}, 'NameServers'),
    table(
      [
        ['Address', (n) => n.addr],
        ['State', (n) => stateBadge(n.state)],
        ['Note', (n) => n.error ?? ''],
      ],
      snapshot.namesrvs,
    ),
    h('h2', {}, 'Brokers'),
    table(
      [
        ['Cluster', (b) => b.cluster],
        ['Broker', (b) => b.brokerName],
        ['Id', (b) => b.brokerId, 'num'],
        ['Address', (b) => b.addr],
        ['Role', (b) => b.role],
        ['State', (b) => stateBadge(b.state)],
        ['Version', (b) => b.version ?? '–'],
        ['In TPS', (b) => fmt.num(b.inTps, 1), 'num'],
        ['Out TPS', (b) => fmt.num(b.outTps, 1), 'num'],
        ['Max offset', (b) => fmt.num(b.commitLogMaxOffset), 'num'],
        ['Replication lag', (b) => (b.lagBytes === undefined ? '–' : `${fmt.num(b.lagBytes)} B / ${b.lagSeconds === undefined ? '?' : b.lagSeconds.toFixed(1)} s`), 'num'],
        ['Disk', (b) => fmt.pct(b.diskRatio), 'num'],
        ['Registered', (b) => `${b.registeredOn}/${snapshot.namesrvs.length}`, 'num'],
      ],
      brokers,
      'No broker is registered with these NameServers.',
    ),
    h('h2', {}, `The last minutes (a sample every ${Math.round(history.intervalMs / 1000)} s)`),
    h(
      'div',
      { class: 'charts' },
      lineChart('Messages in per second', series((b) => b.inTps), 'TPS'),
      lineChart('Messages out per second', series((b) => b.outTps), 'TPS'),
      lineChart('Replication lag of each slave', series((b) => b.lagBytes, isSlave), 'bytes'),
      lineChart('Replication lag of each slave', series((b) => b.lagSeconds, isSlave), 'seconds'),
    ),
    h('p', { class: 'muted' }, `Read at ${fmt.time(snapshot.at)}; refreshes every ${REFRESH_MS / 1000} s.`),
  );
}

export async function render(main) {
  await draw(main);
  setInterval(() => void draw(main), REFRESH_MS);
}
