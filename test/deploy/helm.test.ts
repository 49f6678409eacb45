/**
 * deploy/helm/apogee rendered by a real helm (lint --strict, template) and the manifests checked:
 * a NameServer StatefulSet behind a headless Service whose stable names make every broker's
 * namesrvAddr, a master (brokerId 0) and a slave (brokerId 1) StatefulSet per broker group with
 * their property files in ConfigMaps (loaded with the broker's own loader), /readyz readiness and
 * /healthz liveness probes, a preStop hook that drains the broker, a grace period longer than the
 * drain, and PVCs for the stores. Each check is also run on a broken chart or values, so a
 * regression fails here. helm comes from scripts/fetch-helm.mjs (CI runs it; locally the tests
 * are skipped with a message when it has not been run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerStopMs, loadBrokerProperties } from '../helpers/deploy.js';
import { CHART, helm, helmMissing, render, type Doc } from '../helpers/helm.js';

const named = (docs: Doc[], kind: string, name: string): Doc | undefined => docs.find((d) => d.kind === kind && d.metadata?.name === name);
const mainContainer = (set: Doc): Doc => set.spec?.template?.spec?.containers?.[0] ?? {};
const portNumber = (c: Doc, port: unknown): unknown => (typeof port === 'string' ? ((c.ports ?? []) as Doc[]).find((p) => p.name === port)?.containerPort : port);

/** What is wrong with the rendered chart as an Apogee deployment of `groups` (empty: nothing). */
function chartProblems(docs: Doc[], groups = ['broker-a', 'broker-b']): string[] {
  const problems: string[] = [];
  const sets = docs.filter((d) => d.kind === 'StatefulSet');
  const nsSet = sets.find((s) => s.metadata.labels?.['app.kubernetes.io/component'] === 'namesrv');
  if (!nsSet) return ['no NameServer StatefulSet'];
  const nsService = named(docs, 'Service', nsSet.spec.serviceName);
  if (nsService?.spec?.clusterIP !== 'None') problems.push(`the NameServers' serviceName ${nsSet.spec.serviceName} is not a headless Service`);
  if (!(nsSet.spec.replicas >= 2)) problems.push(`${nsSet.spec.replicas} NameServer replicas`);
  const nsPort = portNumber(mainContainer(nsSet), 'remoting');
  const namesrvAddr = Array.from({ length: nsSet.spec.replicas as number }, (_, i) => `${nsSet.metadata.name}-${i}.${nsSet.spec.serviceName}.mq.svc:${String(nsPort)}`).join(';');

  const probes = (what: string, c: Doc, metricsPort: number): void => {
    const ready = c.readinessProbe?.httpGet;
    const live = c.livenessProbe?.httpGet;
    if (ready?.path !== '/readyz' || portNumber(c, ready?.port) !== metricsPort) problems.push(`${what}: no readiness probe on /readyz port ${metricsPort}`);
    if (live?.path !== '/healthz' || portNumber(c, live?.port) !== metricsPort) problems.push(`${what}: no liveness probe on /healthz port ${metricsPort}`);
  };
  probes(nsSet.metadata.name, mainContainer(nsSet), (nsPort as number) + 3);

  const seen: string[] = [];
  for (const set of sets.filter((s) => s !== nsSet)) {
    const what = set.metadata.name as string;
    const pod = set.spec.template.spec as Doc;
    const c = mainContainer(set);
    const configMap = ((pod.volumes ?? []) as Doc[]).find((v) => v.configMap)?.configMap?.name as string | undefined;
    const text = configMap ? named(docs, 'ConfigMap', configMap)?.data?.['broker.properties'] : undefined;
    if (typeof text !== 'string') {
      problems.push(`${what}: no ConfigMap with broker.properties mounted`);
      continue;
    }
    let broker;
    try {
      broker = loadBrokerProperties(text, `ConfigMap ${configMap}`);
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
      continue;
    }
    const { brokerName, brokerId, listenPort } = broker.config;
    const slave = broker.store.brokerRole === 'SLAVE';
    seen.push(`${brokerName}/${brokerId}/${slave ? 'SLAVE' : 'MASTER'}`);
    if (broker.config.namesrvAddr !== namesrvAddr) problems.push(`${what}: namesrvAddr ${broker.config.namesrvAddr}, expected ${namesrvAddr}`);
    if (!((c.args ?? []) as string[]).join(' ').startsWith('broker -c /etc/apogee/broker.properties')) problems.push(`${what}: the container does not run the broker with its property file`);
    if (!((c.volumeMounts ?? []) as Doc[]).some((m) => m.mountPath === '/etc/apogee' && ((pod.volumes ?? []) as Doc[]).find((v) => v.name === m.name)?.configMap)) problems.push(`${what}: the ConfigMap is not mounted at /etc/apogee`);
    probes(what, c, listenPort + 3);
    const claim = ((set.spec.volumeClaimTemplates ?? []) as Doc[])[0]?.metadata?.name;
    if (!claim || !((c.volumeMounts ?? []) as Doc[]).some((m) => m.name === claim && m.mountPath === '/var/lib/apogee')) problems.push(`${what}: the store is not a PVC at /var/lib/apogee`);
    // The preStop drain: mqshutdown broker SIGTERMs it and waits (-w seconds) for the exit.
    const stop = brokerStopMs(broker);
    const command = (c.lifecycle?.preStop?.exec?.command ?? []) as string[];
    const waitS = Number(command[command.indexOf('-w') + 1]);
    if (!command.some((a) => a.endsWith('/mqshutdown.js')) || command[command.indexOf(command.find((a) => a.endsWith('/mqshutdown.js'))!) + 1] !== 'broker') {
      problems.push(`${what}: no preStop hook running mqshutdown broker`);
    } else if (!(waitS * 1000 > stop)) problems.push(`${what}: preStop waits ${command[command.indexOf('-w') + 1]} s, less than the broker's longest stop (${stop} ms)`);
    const grace = pod.terminationGracePeriodSeconds as number | undefined;
    if (grace === undefined || !(grace * 1000 > stop) || !(grace > waitS)) problems.push(`${what}: terminationGracePeriodSeconds ${String(grace)} does not exceed the drain (${stop} ms) and the preStop wait`);
    if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${what}: may run as root`);
  }
  const want = groups.flatMap((g) => [`${g}/0/MASTER`, `${g}/1/SLAVE`]);
  for (const w of want) if (!seen.includes(w)) problems.push(`no broker ${w}`);
  for (const s of seen) if (!want.includes(s)) problems.push(`unexpected broker ${s}`);
  return problems;
}

/**
 * Each manifest against the Kubernetes API's OpenAPI schema for its kind (kubernetes-models): types,
 * required fields and enums; unknown fields are not flagged by those schemas, which chartProblems covers.
 */
async function schemaProblems(docs: Doc[]): Promise<string[]> {
  const problems: string[] = [];
  for (const doc of docs) {
    const [group, version] = String(doc.apiVersion).includes('/') ? String(doc.apiVersion).split('/') : [undefined, String(doc.apiVersion)];
    const module = `kubernetes-models/${group ? `${group}/` : ''}${version}/${String(doc.kind)}`;
    const model = (await import(module)) as Record<string, new (d: Doc) => { validate(): void }>;
    try {
      new model[String(doc.kind)]!(doc).validate();
    } catch (err) {
      problems.push(`${String(doc.kind)}/${String(doc.metadata?.name)}: ${(err as Error).message}`);
    }
  }
  return problems;
}

/** A copy of the chart with one template edited; `edit` must change it. */
function editedChart(dir: string, template: string, edit: (text: string) => string): string {
  const chart = join(dir, `chart-${Math.random().toString(36).slice(2)}`);
  cpSync(CHART, chart, { recursive: true });
  const file = join(chart, 'templates', template);
  const before = readFileSync(file, 'utf8');
  const after = edit(before);
  assert.notEqual(after, before, `the edit of ${template} changed nothing`);
  writeFileSync(file, after);
  return chart;
}

test('helm lint --strict passes on the chart and fails on a broken template', { skip: helmMissing }, () => {
  const good = helm(['lint', '--strict', CHART]);
  assert.equal(good.status, 0, good.out);
  const dir = mkdtempSync(join(tmpdir(), 'apogee-chart-'));
  try {
    const broken = editedChart(dir, 'broker-statefulset.yaml', (t) => t.replace('{{- end }}\n', '\n'));
    const bad = helm(['lint', '--strict', broken]);
    assert.notEqual(bad.status, 0, bad.out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('helm template renders NameServers, a master and a slave per group, probes, a preStop drain and a grace period past it', { skip: helmMissing }, async () => {
  const docs = render();
  assert.deepEqual(chartProblems(docs), []);
  assert.deepEqual(await schemaProblems(docs), []);
  assert.match((await schemaProblems(render(CHART, '--set-string', 'broker.terminationGracePeriodSeconds=75s'))).join('\n'), /StatefulSet\/t-apogee-broker-a: .*terminationGracePeriodSeconds must be integer/);
  assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`).filter((n) => n.startsWith('StatefulSet/')).sort(), [
    'StatefulSet/t-apogee-broker-a', 'StatefulSet/t-apogee-broker-a-s', 'StatefulSet/t-apogee-broker-b', 'StatefulSet/t-apogee-broker-b-s', 'StatefulSet/t-apogee-namesrv',
  ]);
  // Three groups and three NameServers through values alone.
  const bigger = render(CHART, '--set', 'broker.groups[2].name=broker-c', '--set', 'broker.groups[0].name=broker-a', '--set', 'broker.groups[1].name=broker-b', '--set', 'namesrv.replicas=3');
  assert.deepEqual(chartProblems(bigger, ['broker-a', 'broker-b', 'broker-c']), []);
});

test('a chart that loses its preStop, its readiness probe or its grace period, or carries a typo, fails the checks', { skip: helmMissing }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'apogee-chart-'));
  try {
    const problems = (docs: Doc[]): string => chartProblems(docs).join('\n');
    assert.match(problems(render(CHART, '--set', 'broker.terminationGracePeriodSeconds=40')), /t-apogee-broker-a: terminationGracePeriodSeconds 40 does not exceed/);
    assert.match(problems(render(CHART, '--set', 'broker.drainTimeoutMs=60000')), /t-apogee-broker-b-s: preStop waits 60 s, less than the broker's longest stop \(79000 ms\)/);
    assert.match(problems(render(CHART, '--set', 'broker.properties.brokerRoel=SLAVE')), /unknown property brokerRoel in ConfigMap t-apogee-broker-a/);
    const noPreStop = editedChart(dir, 'broker-statefulset.yaml', (t) => t.replace(/ {10}lifecycle:\n(?: {12}.*\n)+/, ''));
    assert.match(problems(render(noPreStop)), /t-apogee-broker-a: no preStop hook running mqshutdown broker/);
    const noReadiness = editedChart(dir, 'broker-statefulset.yaml', (t) => t.replace('path: /readyz', 'path: /healthz'));
    assert.match(problems(render(noReadiness)), /t-apogee-broker-b: no readiness probe on \/readyz port 10914/);
    const noNsReadiness = editedChart(dir, 'namesrv.yaml', (t) => t.replace(/ {10}readinessProbe:\n(?: {12}.*\n)+/, ''));
    assert.match(problems(render(noNsReadiness)), /t-apogee-namesrv: no readiness probe on \/readyz port 9879/);
    const notHeadless = editedChart(dir, 'namesrv.yaml', (t) => t.replace('  clusterIP: None\n', ''));
    assert.match(problems(render(notHeadless)), /is not a headless Service/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
