/**
 * deploy/docker without a container engine: the Dockerfile parsed (dockerfile-ast) and checked as an
 * image an operator can run — multi-stage, a small Node 20 base, production dependencies only in
 * the final stage, a non-root USER, volumes, the ports, a HEALTHCHECK on /healthz, STOPSIGNAL
 * SIGTERM, an exec-form entrypoint; every file it copies exists and passes .dockerignore. Its
 * entrypoint and health probe then run for real here: the entrypoint starts a NameServer that
 * drains on SIGTERM (exec, so the signal reaches the server), the probe tells 200 from 503, and the
 * final stage's files, assembled from its COPY instructions, run a NameServer and a broker alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { once } from 'node:events';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { projectRoot } from '../../src/common/paths.js';
import { deployDir, freePort } from '../helpers/deploy.js';
import { untilValue } from '../helpers/wait.js';

const DOCKERFILE = deployDir('docker', 'Dockerfile');
const PORTS = ['9876', '9879', '10909', '10911', '10912', '10914'];

interface Stage {
  name: string | undefined;
  image: string;
  instructions: Instruction[];
}

const args = (i: Instruction): string[] => i.getArguments().map((a) => a.getValue());
const flag = (i: Instruction, name: string): string | undefined =>
  ('getFlags' in i ? (i as unknown as { getFlags(): Array<{ getName(): string; getValue(): string | null }> }).getFlags() : []).find((f) => f.getName() === name)?.getValue() ?? undefined;

function stagesOf(text: string): Stage[] {
  const df = DockerfileParser.parse(text);
  const argDefaults = new Map(df.getARGs().map((a) => [a.getProperty()?.getName() ?? '', a.getProperty()?.getValue() ?? '']));
  const stages: Stage[] = [];
  for (const i of df.getInstructions()) {
    if (i.getKeyword() === 'FROM') {
      const [image = '', as, name] = args(i);
      stages.push({ name: as?.toUpperCase() === 'AS' ? name : undefined, image: image.replace(/^\$\{(\w+)\}$|^\$(\w+)$/, (_m, a: string, b: string) => argDefaults.get(a ?? b) ?? ''), instructions: [] });
    } else stages.at(-1)?.instructions.push(i);
  }
  return stages;
}

/** Whether .dockerignore (its plain and `**​/name` patterns, which are the ones it uses) excludes `path`. */
function ignoredByDockerignore(path: string, patterns: string[]): boolean {
  const clean = path.replace(/^\.\//, '').replace(/\/$/, '');
  return patterns.some((p) => {
    if (p.startsWith('**/')) return clean.split('/').includes(p.slice(3));
    return clean === p || clean.startsWith(`${p}/`);
  });
}

/** What is wrong with the Dockerfile as Apogee's image (empty: nothing). */
function dockerfileProblems(text: string, dockerignore: string): string[] {
  const problems: string[] = [];
  const stages = stagesOf(text);
  if (stages.length < 2) return [`${stages.length} stage(s): not a multi-stage build`];
  const final = stages.at(-1)!;
  const inFinal = (keyword: string): Instruction[] => final.instructions.filter((i) => i.getKeyword() === keyword);
  if (!/^node:20-(bookworm-slim|alpine)/.test(final.image)) problems.push(`final base image ${final.image} is not node:20-bookworm-slim or -alpine`);
  const user = inFinal('USER').at(-1);
  if (!user || /^(root|0)(:|$)/.test(args(user)[0] ?? '')) problems.push('the final stage runs as root');
  // Production dependencies only: node_modules comes from a stage that installed with --omit=dev.
  const stageByName = new Map(stages.map((s) => [s.name, s]));
  const installsProdOnly = (s: Stage): boolean =>
    s.instructions.some((i) => i.getKeyword() === 'RUN' && /\bnpm (ci|install|prune)\b/.test(args(i).join(' ')) && /--omit=dev|--production\b/.test(args(i).join(' ')));
  // Every file copied from the build context, in any stage, must be there and not ignored.
  const patterns = dockerignore.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const copy of stages.flatMap((s) => s.instructions).filter((i) => i.getKeyword() === 'COPY' && flag(i, 'from') === undefined)) {
    for (const src of args(copy).slice(0, -1)) {
      if (!existsSync(join(projectRoot(), src))) problems.push(`COPY ${src}: no such file in the repository`);
      else if (ignoredByDockerignore(src, patterns)) problems.push(`COPY ${src}: excluded by .dockerignore`);
    }
  }
  for (const copy of inFinal('COPY')) {
    const from = flag(copy, 'from');
    const sources = args(copy).slice(0, -1);
    if (from === undefined) {
      for (const src of sources) if (src === '.' || /^(src|test|bench)(\/|$)/.test(src)) problems.push(`the final stage copies ${src} from the build context`);
    } else if (sources.some((s) => s.includes('node_modules'))) {
      const stage = stageByName.get(from);
      if (!stage || !installsProdOnly(stage)) problems.push(`node_modules is copied from stage ${from}, which does not install with --omit=dev`);
    }
  }
  for (const run of inFinal('RUN')) {
    if (/\bnpm (ci|install)\b/.test(args(run).join(' ')) && !/--omit=dev|--production\b/.test(args(run).join(' '))) problems.push('the final stage installs dev dependencies');
  }
  // The console's pages are not emitted by tsc: the stage whose dist/ the image takes must copy them in.
  for (const copy of inFinal('COPY').filter((c) => args(c).some((a) => /\/dist\/src$/.test(a)))) {
    const stage = stageByName.get(flag(copy, 'from') ?? '');
    if (!stage?.instructions.some((i) => i.getKeyword() === 'RUN' && /src\/console\/static\s+dist\/src\/console\/static/.test(args(i).join(' ')))) problems.push('the image has no console pages (src/console/static is not copied into dist)');
  }
  const health = inFinal('HEALTHCHECK').at(-1);
  if (!health || !args(health).join(' ').includes('/healthz')) problems.push('no HEALTHCHECK on /healthz');
  const exposed = inFinal('EXPOSE').flatMap(args);
  for (const p of PORTS) if (!exposed.includes(p)) problems.push(`port ${p} is not exposed`);
  const volumes = inFinal('VOLUME').flatMap((v) => ((v as unknown as { getJSONStrings(): Array<{ getJSONValue(): string }> }).getJSONStrings?.() ?? []).map((s) => s.getJSONValue()));
  for (const v of ['/var/lib/apogee', '/var/log/apogee']) if (!volumes.includes(v)) problems.push(`no VOLUME ${v}`);
  const stop = inFinal('STOPSIGNAL').at(-1);
  if (!stop || args(stop)[0] !== 'SIGTERM') problems.push('STOPSIGNAL is not SIGTERM');
  const entry = inFinal('ENTRYPOINT').at(-1);
  // Shell form would run the server under `sh -c`, which does not pass SIGTERM on: no drain.
  if (!entry || !args(entry)[0]?.startsWith('[')) problems.push('ENTRYPOINT is not in exec (JSON) form');
  return problems;
}

test('the Dockerfile builds a small multi-stage, non-root image with production dependencies, health check, ports and SIGTERM', () => {
  const text = readFileSync(DOCKERFILE, 'utf8');
  const ignore = readFileSync(join(projectRoot(), '.dockerignore'), 'utf8');
  assert.deepEqual(dockerfileProblems(text, ignore), []);
  const broken = (from: string | RegExp, to: string): string[] => {
    const edited = text.replace(from, to);
    assert.notEqual(edited, text, `edit ${String(from)} changed nothing`);
    return dockerfileProblems(edited, ignore);
  };
  assert.deepEqual(broken(/^USER apogee:apogee\n/m, ''), ['the final stage runs as root']);
  assert.deepEqual(broken('USER apogee:apogee', 'USER root'), ['the final stage runs as root']);
  assert.deepEqual(broken('--omit=dev ', ''), ['node_modules is copied from stage prod-deps, which does not install with --omit=dev']);
  assert.deepEqual(broken('COPY --from=prod-deps /opt/apogee/node_modules', 'COPY --from=build /src/node_modules'), ['node_modules is copied from stage build, which does not install with --omit=dev']);
  assert.deepEqual(broken(/^HEALTHCHECK[^\n]*\\\n[^\n]*\n/m, ''), ['no HEALTHCHECK on /healthz']);
  assert.deepEqual(broken(' 10914\n', '\n'), ['port 10914 is not exposed']);
  assert.deepEqual(broken('ENTRYPOINT ["apogee-entrypoint"]', 'ENTRYPOINT apogee-entrypoint'), ['ENTRYPOINT is not in exec (JSON) form']);
  assert.deepEqual(broken('STOPSIGNAL SIGTERM', 'STOPSIGNAL SIGKILL'), ['STOPSIGNAL is not SIGTERM']);
  assert.deepEqual(broken('ARG NODE_IMAGE=node:20-bookworm-slim', 'ARG NODE_IMAGE=node:20'), ['final base image node:20 is not node:20-bookworm-slim or -alpine']);
  assert.deepEqual(dockerfileProblems(text, `${ignore}\ndeploy/docker\n`), [
    'COPY deploy/docker/tsconfig.image.json: excluded by .dockerignore', 'COPY deploy/docker/entrypoint.sh: excluded by .dockerignore', 'COPY deploy/docker/healthcheck.mjs: excluded by .dockerignore',
  ]);
  assert.deepEqual(broken('COPY conf ./conf', 'COPY config ./conf'), ['COPY config: no such file in the repository']);
  assert.deepEqual(broken('COPY bin ./bin', 'COPY src ./src'), ['the final stage copies src from the build context']);
  assert.deepEqual(broken(/^RUN cp -r src\/console\/static.*\n/m, ''), ['the image has no console pages (src/console/static is not copied into dist)']);
});

/** A server started through the image's entrypoint script (`sh entrypoint role args…`). */
class ViaEntrypoint {
  readonly child;
  private out = '';
  private readonly exited: Promise<[number | null, NodeJS.Signals | null]>;

  constructor(entrypoint: string, args: string[], env: Record<string, string>, cwd?: string) {
    this.child = spawn('sh', [entrypoint, ...args], { cwd, env: { ...process.env, APOGEE_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (c: Buffer) => (this.out += c.toString()));
    this.child.stderr.on('data', (c: Buffer) => (this.out += c.toString()));
    this.exited = once(this.child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  }

  get output(): string {
    return this.out;
  }

  waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    return untilValue(() => this.out.match(pattern) ?? (this.child.exitCode !== null ? Promise.reject(new Error(`exited before ${String(pattern)}\n${this.out}`)) : undefined), String(pattern), 30_000);
  }

  /** SIGTERM, then the exit (SIGKILL and a failure after `graceMs`). */
  async stop(graceMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return { code: this.child.exitCode, signal: this.child.signalCode };
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no exit within ${graceMs} ms\n${this.out}`)), graceMs)));
    try {
      const [code, signal] = await Promise.race([this.exited, deadline]);
      return { code, signal };
    } catch (err) {
      this.child.kill('SIGKILL');
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}

test("the image's entrypoint starts a NameServer that drains on SIGTERM and exits 0 (exec: the signal reaches the server)", async () => {
  const home = mkdtempSync(join(tmpdir(), 'apogee-entrypoint-'));
  const ns = new ViaEntrypoint(deployDir('docker', 'entrypoint.sh'), ['namesrv', '--listenPort=0'], { APOGEE_INSTALL_DIR: projectRoot(), APOGEE_HOME: home });
  try {
    await ns.waitFor(/The Name Server boot success/);
    assert.deepEqual(await ns.stop(30_000), { code: 0, signal: null }, ns.output);
  } finally {
    await ns.stop(5000).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  }
  const unknown = spawnSync('sh', [deployDir('docker', 'entrypoint.sh'), 'no-such-command-here'], { encoding: 'utf8' });
  assert.notEqual(unknown.status, 0);
});

/**
 * The final stage's filesystem, built from its COPY instructions without an engine: context files
 * as they are, the build stage's /src/dist as this checkout's dist, and the prod-deps stage's
 * node_modules by the same `npm ci --omit=dev` it runs. Absolute paths land under `rootfs`.
 */
function assembleFinalStage(rootfs: string): void {
  const stages = stagesOf(readFileSync(DOCKERFILE, 'utf8'));
  const final = stages.at(-1)!;
  let workdir = '/';
  for (const i of final.instructions) {
    if (i.getKeyword() === 'WORKDIR') workdir = args(i)[0]!;
    if (i.getKeyword() !== 'COPY') continue;
    const from = flag(i, 'from');
    const [dest, ...sources] = args(i).reverse();
    const target = join(rootfs, dest!.startsWith('/') ? dest! : join(workdir, dest!));
    for (const src of sources.reverse()) {
      let origin: string;
      if (from === undefined) origin = join(projectRoot(), src);
      else if (from === 'build' && src.startsWith('/src/')) origin = join(projectRoot(), src.slice('/src/'.length));
      else if (from === 'prod-deps' && src.endsWith('/node_modules')) {
        const deps = join(rootfs, '..', 'prod-deps');
        mkdirSync(deps, { recursive: true });
        for (const f of ['package.json', 'package-lock.json']) cpSync(join(projectRoot(), f), join(deps, f));
        const npm = spawnSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: deps, encoding: 'utf8' });
        assert.equal(npm.status, 0, npm.stdout + npm.stderr);
        origin = join(deps, 'node_modules');
      } else throw new Error(`COPY --from=${from} ${src}: not rehearsed here`);
      const into = dest!.endsWith('/') ? join(target, basename(src)) : target;
      mkdirSync(dirname(into), { recursive: true });
      cpSync(origin, into, { recursive: true });
    }
  }
}

test("the final stage's files alone run a NameServer and a broker through the entrypoint (the image rehearsed without an engine)", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apogee-image-'));
  const rootfs = join(dir, 'rootfs');
  const started: ViaEntrypoint[] = [];
  try {
    assembleFinalStage(rootfs);
    // Nothing from the development tree: the servers must run on production dependencies alone.
    assert.ok(!existsSync(join(rootfs, 'opt/apogee/node_modules/typescript')), 'typescript is in the image');
    assert.ok(!existsSync(join(rootfs, 'opt/apogee/dist/test')), 'tests are in the image');
    const entrypoint = join(rootfs, 'usr/local/bin/apogee-entrypoint');
    const env = { APOGEE_INSTALL_DIR: join(rootfs, 'opt/apogee'), APOGEE_HOME: join(dir, 'data') };
    // The image's WORKDIR, so nothing is found through this checkout by accident.
    const cwd = join(rootfs, 'opt/apogee');
    const nsPort = await freePort();
    const ns = new ViaEntrypoint(entrypoint, ['namesrv', `--listenPort=${nsPort}`], env, cwd);
    started.push(ns);
    await ns.waitFor(/The Name Server boot success/);
    const broker = new ViaEntrypoint(entrypoint, ['broker', '-c', join(rootfs, 'opt/apogee/conf/broker.conf'), '-n', `127.0.0.1:${nsPort}`, '--listenPort=0', '--brokerIP1=127.0.0.1'], env, cwd);
    started.push(broker);
    await broker.waitFor(/The broker\[broker-a, 127\.0\.0\.1:\d+\] boot success/);
    const version = spawnSync('sh', [entrypoint, 'apogee', '--version'], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, new RegExp(JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')).version.replace(/\./g, '\\.')));
    assert.deepEqual(await broker.stop(60_000), { code: 0, signal: null }, broker.output);
    assert.match(broker.output, /draining, then shutting down[\s\S]*broker stopped/);
    assert.deepEqual(await ns.stop(30_000), { code: 0, signal: null }, ns.output);
  } finally {
    for (const p of started) await p.stop(5000).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the image's health probe exits 0 on 200, 1 on 503 or when nothing answers", async () => {
  let status = 200;
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/readyz' ? status : 404, { 'content-type': 'text/plain' });
    res.end(status === 200 ? 'ok\n' : 'not registered with 127.0.0.1:9876\n');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const probe = async (p: number) => {
    const child = spawn(process.execPath, [deployDir('docker', 'healthcheck.mjs'), '/readyz'], { env: { ...process.env, APOGEE_HEALTH_PORT: String(p) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    return { code, out: out.trim() };
  };
  try {
    assert.deepEqual(await probe(port), { code: 0, out: `${port}/readyz: 200 ok` });
    status = 503;
    assert.deepEqual(await probe(port), { code: 1, out: `${port}/readyz: 503 not registered with 127.0.0.1:9876` });
  } finally {
    server.close();
  }
  const closed = await freePort();
  const none = await probe(closed);
  assert.equal(none.code, 1);
  assert.match(none.out, /no health endpoint answered .*ECONNREFUSED/);
});
