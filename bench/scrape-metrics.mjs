#!/usr/bin/env node
// Scrapes every Prometheus endpoint of running Apogee servers at a fixed interval, the way a
// Prometheus server would, so a benchmark can be run "with metrics on and scraped" (bench/README.md,
// metrics overhead). Servers are found by their command line (apogee.js, mqbroker.js, mqnamesrv.js)
// and their listening TCP ports read from /proc; every port is asked for GET /metrics and the
// ones that answer 200 are counted. Runs until SIGINT/SIGTERM, then prints a JSON summary.
//   node bench/scrape-metrics.mjs [--interval-ms=1000] [--path=/metrics] [--url=http://HOST:PORT/metrics ...]
// --url (repeatable) scrapes exactly those endpoints and looks for no servers (bench:peers --ab uses it).
// --path=/healthz asks the same endpoints for their one-line health answer instead: what serving HTTP
// costs the process, apart from rendering the metrics.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request } from 'node:http';

const path = process.argv.find((a) => a.startsWith('--path='))?.slice(7) ?? '/metrics';
const intervalMs = Number(process.argv.find((a) => a.startsWith('--interval-ms='))?.split('=')[1] ?? 1000);
const stats = { ok: 0, bytes: 0, endpoints: new Set() };
const urls = process.argv.filter((a) => a.startsWith('--url=')).map((a) => new URL(a.slice(6)));

function listeningPortsByInode() {
  const ports = new Map();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = readFileSync(file, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A') ports.set(f[9], parseInt(f[1].split(':')[1], 16));
    }
  }
  return ports;
}

function serverPorts() {
  const byInode = listeningPortsByInode();
  const out = new Set();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let argv = '';
    try { argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
    if (!/(apogee|mqbroker|mqnamesrv)\.js/.test(argv)) continue;
    let fds = [];
    try { fds = readdirSync(`/proc/${pid}/fd`); } catch { continue; }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && byInode.has(m[1])) out.add(byInode.get(m[1]));
      } catch { /* fd closed meanwhile */ }
    }
  }
  return [...out];
}

function scrape(port, host = '127.0.0.1', at = path) {
  return new Promise((done) => {
    const req = request({ host, port, path: at, timeout: 2000 }, (res) => {
      let n = 0;
      res.on('data', (c) => (n += c.length));
      res.on('end', () => done(res.statusCode === 200 ? n : -1));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(-1));
    req.end();
  });
}

// A port that is not HTTP (the remoting, VIP and HA ports) is asked once, then left alone.
const notMetrics = new Set();
let known = [];
let lastLookup = 0;
const timer = setInterval(async () => {
  if (urls.length > 0) {
    for (const u of urls) {
      const n = await scrape(Number(u.port), u.hostname, u.pathname);
      if (n >= 0) {
        stats.ok++;
        stats.bytes += n;
        stats.endpoints.add(u.host);
      }
    }
    return;
  }
  if (Date.now() - lastLookup > 5000 || known.length === 0) {
    known = serverPorts().filter((p) => !notMetrics.has(p));
    lastLookup = Date.now();
  }
  known = known.filter((p) => !notMetrics.has(p));
  for (const port of known) {
    const n = await scrape(port);
    if (n >= 0) {
      stats.ok++;
      stats.bytes += n;
      stats.endpoints.add(port);
    } else if (!stats.endpoints.has(port)) notMetrics.add(port);
  }
}, intervalMs);

const stop = () => {
  clearInterval(timer);
  process.stdout.write(JSON.stringify({ intervalMs, scrapes: stats.ok, bytes: stats.bytes, endpoints: [...stats.endpoints] }) + '\n');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
