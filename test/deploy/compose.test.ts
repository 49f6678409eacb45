/**
 * deploy/compose/docker-compose.yml (2ns-2m-2s) without a container engine: the file parses, passes
 * the Compose Specification's JSON schema, and describes the topology — two NameServers, a master
 * (brokerId 0) and a slave (brokerId 1) for broker-a and broker-b, each reading a property file from
 * deploy/compose/conf that the broker's own loader accepts, healthchecks on /readyz, named volumes
 * for the stores, and a stop grace period longer than a broker's drain. Each check is also run on a
 * broken copy, so a regression in the file fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import { projectRoot } from '../../src/common/paths.js';
import { brokerStopMs, composeDurationMs, deployDir, loadBrokerFile, loadBrokerProperties, loadNamesrvProperties } from '../helpers/deploy.js';

const COMPOSE_FILE = deployDir('compose', 'docker-compose.yml');
const DCLINT = join(projectRoot(), 'node_modules', 'dclint');
const DCLINT_SCHEMA = join(DCLINT, 'schemas', 'compose.schema.json');
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const readCompose = (): Doc => parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as Doc;
const clone = (d: Doc): Doc => structuredClone(d);

/** The official Compose Specification schema, as the dclint package ships it, compiled with Ajv. */
function composeValidator(): (doc: unknown) => string[] {
  const ajv = new Ajv({ allErrors: true });
  // Its $schema says "https://json-schema.org/draft-07/schema", not the meta-schema's own id
  // (http, trailing #), which Ajv would look up and not find; draft-07 is Ajv's default dialect.
  const { $schema: _draft07, ...schema } = JSON.parse(readFileSync(DCLINT_SCHEMA, 'utf8')) as Record<string, unknown>;
  const validate = ajv.compile(schema);
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`));
}

/** The host file a service mounts at `target`, resolved against the compose file's directory. */
function mountedFile(service: Doc, target: string): string | undefined {
  for (const v of (service.volumes ?? []) as unknown[]) {
    if (typeof v !== 'string') continue;
    const [src, dst] = v.split(':');
    if (dst === target && src?.startsWith('./')) return deployDir('compose', src.slice(2));
  }
  return undefined;
}

/** What is wrong with the compose document as a 2ns-2m-2s Apogee deployment (empty: nothing). */
function topologyProblems(doc: Doc): string[] {
  const problems: string[] = [];
  const services = Object.entries((doc.services ?? {}) as Record<string, Doc>);
  const roleOf = (s: Doc): string | undefined => (Array.isArray(s.command) ? String(s.command[0]) : undefined);
  const namesrvs = services.filter(([, s]) => roleOf(s) === 'namesrv');
  const brokers = services.filter(([, s]) => roleOf(s) === 'broker');
  if (namesrvs.length !== 2) problems.push(`expected 2 NameServers, found ${namesrvs.length}`);
  if (brokers.length !== 4) problems.push(`expected 4 brokers, found ${brokers.length}`);
  const namedVolumes = new Set(Object.keys((doc.volumes ?? {}) as object));
  const expectedNamesrvAddr = namesrvs.map(([name, s]) => `${(s.hostname as string | undefined) ?? name}:9876`).join(';');
  const seen = new Set<string>();
  for (const [name, s] of services) {
    const test = (s.healthcheck?.test ?? []) as unknown[];
    if (!test.some((t) => String(t) === '/readyz')) problems.push(`${name}: healthcheck does not probe /readyz`);
    const data = ((s.volumes ?? []) as unknown[]).find((v) => typeof v === 'string' && v.split(':')[1] === '/var/lib/apogee') as string | undefined;
    if (!data || !namedVolumes.has(data.split(':')[0]!)) problems.push(`${name}: /var/lib/apogee is not a named volume`);
    if (s.stop_signal !== 'SIGTERM') problems.push(`${name}: stop_signal is ${String(s.stop_signal)}, not SIGTERM`);
    const conf = Array.isArray(s.command) ? (s.command as string[])[(s.command as string[]).indexOf('-c') + 1] : undefined;
    const file = conf ? mountedFile(s, conf) : undefined;
    if (!file || !existsSync(file)) {
      problems.push(`${name}: its -c file ${conf ?? '(none)'} is not mounted from an existing file under deploy/compose`);
      continue;
    }
    if (roleOf(s) === 'namesrv') {
      try {
        loadNamesrvProperties(readFileSync(file, 'utf8'), file);
      } catch (err) {
        problems.push(`${name}: ${(err as Error).message}`);
      }
      continue;
    }
    let broker;
    try {
      broker = loadBrokerFile(file);
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
      continue;
    }
    const { brokerName, brokerId, namesrvAddr } = broker.config;
    const role = broker.store.brokerRole;
    seen.add(`${brokerName}/${brokerId}/${role === 'SLAVE' ? 'SLAVE' : 'MASTER'}`);
    if ((brokerId === 0) === (role === 'SLAVE')) problems.push(`${name}: brokerId ${brokerId} with brokerRole ${role}`);
    if (namesrvAddr !== expectedNamesrvAddr) problems.push(`${name}: namesrvAddr ${namesrvAddr}, expected ${expectedNamesrvAddr}`);
    const grace = composeDurationMs(s.stop_grace_period);
    const stop = brokerStopMs(broker);
    if (grace === undefined || grace <= stop) problems.push(`${name}: stop_grace_period ${String(s.stop_grace_period)} does not exceed the broker's longest stop (${stop} ms)`);
  }
  for (const want of ['broker-a/0/MASTER', 'broker-a/1/SLAVE', 'broker-b/0/MASTER', 'broker-b/1/SLAVE']) {
    if (!seen.has(want)) problems.push(`no broker ${want}`);
  }
  return problems;
}

test('docker-compose.yml passes the Compose Specification schema (and a broken copy does not)', () => {
  const validate = composeValidator();
  const doc = readCompose();
  assert.deepEqual(validate(doc), []);
  const broken = clone(doc);
  broken.services['broker-a'].healthcheck.intervall = '10s';
  broken.services['namesrv-0'].stop_grace_period = 60;
  const errors = validate(broken);
  assert.ok(errors.includes('/services/broker-a/healthcheck must NOT have additional properties'), errors.join('\n'));
  assert.ok(errors.includes('/services/namesrv-0/stop_grace_period must be string'), errors.join('\n'));
});

test('dclint (a Compose linter) finds no error in docker-compose.yml, and finds one in a broken copy', () => {
  const lint = (file: string) => spawnSync(process.execPath, [join(DCLINT, 'bin', 'dclint.cjs'), file], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const good = lint(COMPOSE_FILE);
  assert.equal(good.status, 0, good.stdout + good.stderr);
  assert.match(good.stdout + good.stderr, /\b0 errors\b|^$/m);
  const dir = mkdtempSync(join(tmpdir(), 'apogee-compose-'));
  try {
    const broken = join(dir, 'docker-compose.yml');
    writeFileSync(broken, readFileSync(COMPOSE_FILE, 'utf8').replace('stop_grace_period: 60s', 'stop_grace_period: [60s]'));
    const bad = lint(broken);
    assert.notEqual(bad.status, 0, bad.stdout + bad.stderr);
    assert.match(bad.stdout + bad.stderr, /stop_grace_period/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('docker-compose.yml runs 2ns-2m-2s: roles, property files, /readyz healthchecks, named volumes, grace period > drain', () => {
  const doc = readCompose();
  assert.deepEqual(topologyProblems(doc), []);

  const noSlave = clone(doc);
  delete noSlave.services['broker-b-s'];
  assert.deepEqual(topologyProblems(noSlave), ['expected 4 brokers, found 3', 'no broker broker-b/1/SLAVE']);

  const shortGrace = clone(doc);
  shortGrace.services['broker-a'].stop_grace_period = '10s';
  assert.match(topologyProblems(shortGrace).join('\n'), /broker-a: stop_grace_period 10s does not exceed/);

  const liveness = clone(doc);
  liveness.services['broker-a-s'].healthcheck.test = ['CMD', 'node', '/opt/apogee/healthcheck.mjs', '/healthz'];
  assert.deepEqual(topologyProblems(liveness), ['broker-a-s: healthcheck does not probe /readyz']);

  const bindMount = clone(doc);
  bindMount.services['broker-b'].volumes[1] = './store:/var/lib/apogee';
  assert.deepEqual(topologyProblems(bindMount), ['broker-b: /var/lib/apogee is not a named volume']);

  const wrongConf = clone(doc);
  wrongConf.services['broker-b-s'].volumes[0] = './conf/broker-b.properties:/etc/apogee/broker.properties:ro';
  assert.deepEqual(topologyProblems(wrongConf), ['no broker broker-b/1/SLAVE']);
});

test('the compose property files load with the broker loader, whose checks a typo does not pass', () => {
  const text = readFileSync(deployDir('compose', 'conf', 'broker-a-s.properties'), 'utf8');
  const loaded = loadBrokerProperties(text, 'broker-a-s.properties');
  assert.equal(loaded.store.brokerRole, 'SLAVE');
  assert.equal(loaded.config.drainTimeoutMs, 30000);
  assert.throws(() => loadBrokerProperties(text.replace('brokerRole=', 'brokerRoel='), 'typo'), /unknown property brokerRoel in typo/);
  assert.throws(() => loadBrokerProperties(text.replace('brokerRole=SLAVE', 'brokerRole=SLAVES'), 'bad value'), /brokerRole/);
  assert.throws(() => loadBrokerProperties(text.replace('drainTimeoutMs=30000', 'drainTimeoutMs=30s'), 'bad number'), /drainTimeoutMs/);
});
