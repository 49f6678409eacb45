// Container health probe without curl: `node healthcheck.mjs [/healthz|/readyz]` exits 0 when the
// server's metrics/health HTTP port answers 200 on that path, 1 otherwise (with the reason on one line).
// The port is APOGEE_HEALTH_PORT, or else the defaults (listenPort + 3): 10914 for a broker,
// 9879 for a NameServer — one container runs one server, so the first that answers is it.
const path = process.argv[2] ?? '/healthz';
const host = process.env.APOGEE_HEALTH_HOST ?? '127.0.0.1';
const ports = process.env.APOGEE_HEALTH_PORT ? [process.env.APOGEE_HEALTH_PORT] : ['10914', '9879'];

async function probe(port) {
  try {
    const res = await fetch(`http://${host}:${port}${path}`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.text()).split('\n')[0];
    return { answered: true, ok: res.status === 200, line: `${port}${path}: ${res.status} ${body}`.trim() };
  } catch (err) {
    return { answered: false, ok: false, line: `${port}${path}: ${err.cause?.code ?? err.name}` };
  }
}

const lines = [];
for (const port of ports) {
  const r = await probe(port);
  if (r.answered) {
    process.stdout.write(r.line + '\n');
    process.exit(r.ok ? 0 : 1);
  }
  lines.push(r.line);
}
process.stdout.write(`no health endpoint answered (${lines.join('; ')})\n`);
process.exit(1);
