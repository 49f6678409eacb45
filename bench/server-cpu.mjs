#!/usr/bin/env node
// The CPU time of each Apogee server process (`apogee.js start`, mqbroker.js, mqnamesrv.js) that runs
// while this watcher does: user + system time from /proc/PID/stat, read every 100 ms until the process
// exits or this watcher gets SIGINT/SIGTERM, then printed as JSON, servers in the order they started.
// For a fixed workload, CPU seconds are a steadier measure of added work than latency percentiles on
// a shared VM (bench/README.md, metrics overhead).
//   node bench/server-cpu.mjs [--cmd=REGEX] > cpu.json &  ...workload...  kill %1
// --cmd keeps only servers whose script and first argument match, e.g. --cmd='^apogee.js start$'.
import { readdirSync, readFileSync } from 'node:fs';

const only = new RegExp(process.argv.find((a) => a.startsWith('--cmd='))?.slice(6) ?? '.');

const TICKS = 100; // USER_HZ: 100 on every Linux this runs on
const seen = new Map(); // pid → { cmd, firstSeen, ticks }

function ticksOf(pid) {
  // Fields after the command name "(...)": state is field 3; utime and stime are fields 14 and 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

function sample() {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      let s = seen.get(pid);
      if (!s) {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        const script = argv.findIndex((a) => /(apogee|mqbroker|mqnamesrv)\.js$/.test(a));
        if (script < 0 || (argv[script].endsWith('apogee.js') && argv[script + 1] !== 'start')) continue;
        const cmd = argv.slice(script, script + 2).map((a) => a.split('/').pop()).join(' ');
        if (!only.test(cmd)) continue;
        s = { cmd, firstSeen: Date.now(), ticks: 0 };
        seen.set(pid, s);
      }
      s.ticks = ticksOf(pid);
      s.lastSeen = Date.now();
    } catch {
      // gone meanwhile: its last sample stands
    }
  }
}

const timer = setInterval(sample, 100);
sample();
function finish() {
  clearInterval(timer);
  const servers = [...seen.entries()].map(([pid, s]) => ({ pid: Number(pid), cmd: s.cmd, cpuSeconds: s.ticks / TICKS, aliveSeconds: ((s.lastSeen ?? s.firstSeen) - s.firstSeen) / 1000 }));
  process.stdout.write(JSON.stringify({ sampleMs: 100, servers }, null, 1) + '\n');
  process.exit(0);
}
process.on('SIGINT', finish);
process.on('SIGTERM', finish);
