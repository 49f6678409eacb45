/** A broker on listenPort 0 picks a port whose companions (VIP − 2, HA + 1, metrics + 3) are free as well. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortGroup } from '../../src/common/free-port-group.js';
import { Broker } from '../../src/broker/broker.js';
import { brokerDefaults } from '../../src/broker/config.js';

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(undefined));
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

const close = (s: Server): Promise<void> => new Promise((r) => s.close(() => r()));

/** A base p with every port p − 2 … p + 33 free now: room for four candidate groups, 10 apart. */
async function freeStretch(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const p = 12000 + Math.floor(Math.random() * 18000);
    const held: Server[] = [];
    let ok = true;
    for (let port = p - 2; port <= p + 33 && ok; port++) {
      const s = await listen(port);
      if (s) held.push(s);
      else ok = false;
    }
    await Promise.all(held.map(close));
    if (ok) return p;
  }
  throw new Error('no free stretch of ports');
}

test('a port whose metrics companion (+3) is taken is passed over, and so is one whose VIP (−2) or HA (+1) is', async () => {
  const p = await freeStretch();
  const taken = [await listen(p + 3), await listen(p + 10 - 2), await listen(p + 20 + 1)];
  try {
    assert.ok(taken.every((s) => s !== undefined));
    const bases = [p, p + 10, p + 20, p + 30];
    let next = 0;
    // p's +3, p+10's −2 and p+20's +1 are held, so p+30 is the first whose whole group is free.
    const picked = await freePortGroup('127.0.0.1', [-2, 1, 3], () => bases[Math.min(next++, bases.length - 1)]!);
    assert.equal(picked, p + 30);
    assert.equal(next, 4, 'each earlier candidate was tried and refused');
    // Without the metrics offset p itself is fine.
    next = 0;
    assert.equal(await freePortGroup('127.0.0.1', [-2, 1], () => bases[Math.min(next++, bases.length - 1)]!), p);
  } finally {
    await Promise.all(taken.filter((s): s is Server => s !== undefined).map(close));
  }
});

test('it gives up with a clear error after its tries, and never holds a port it tested', async () => {
  const blocker = await listen(0);
  const port = (blocker!.address() as { port: number }).port;
  try {
    await assert.rejects(
      freePortGroup('127.0.0.1', [3], () => port),
      /no free port found for the broker with its companions at \+3/,
    );
  } finally {
    await close(blocker!);
  }
});

test('a broker on listenPort 0 with the default metrics port serves metrics at listenPort + 3, below the ephemeral range', async () => {
  const home = mkdtempSync(join(tmpdir(), 'apogee-port0-'));
  const broker = new Broker(
    { ...brokerDefaults(), rocketmqHome: home, bindAddress: '127.0.0.1', listenPort: 0, namesrvAddr: '' },
    { storeProperties: { storePathRootDir: join(home, 'store') } },
  );
  try {
    await broker.start();
    const listenPort = broker.config.listenPort;
    assert.ok(listenPort > 10000 && listenPort < 32768, `listenPort ${listenPort}`);
    assert.equal(broker.metricsAddress, `127.0.0.1:${listenPort + 3}`);
  } finally {
    await broker.shutdown();
    rmSync(home, { recursive: true, force: true });
  }
});
