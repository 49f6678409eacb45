import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { RemotingServer } from '../../src/transport/server.js';
import { RemotingClient } from '../../src/transport/client.js';
import { responseTo } from '../../src/codec/command.js';
import { RequestTimeoutError, ConnectionClosedError } from '../../src/transport/errors.js';
import { frameOf, lengthPrefix, onewayRequest, request } from '../helpers/frames.js';
import { FrameDecoder } from '../../src/codec/frame.js';
import type { RemotingCommand } from '../../src/codec/command.js';
import { until } from '../helpers/wait.js';

async function withServer(
  setup: (s: RemotingServer) => void,
  run: (addr: string, server: RemotingServer, client: RemotingClient) => Promise<void>,
  options: { idleTimeoutMs?: number; maxFrameLength?: number } = {},
): Promise<void> {
  const server = new RemotingServer({ host: '127.0.0.1', port: 0, version: 409, name: 'test', ...options });
  setup(server);
  await server.listen();
  const client = new RemotingClient();
  try {
    await run(`127.0.0.1:${server.port}`, server, client);
  } finally {
    await client.close();
    await server.close(1000);
  }
}

const echo = (s: RemotingServer): void => {
  s.register(1000, (req) => responseTo(req, 0, 409, { extFields: req.extFields, body: req.body }));
  s.register(1001, async (req) => {
    await new Promise((r) => setTimeout(r, Number(req.extFields?.delay ?? 0)));
    return responseTo(req, 0, 409, { extFields: req.extFields });
  });
  s.register(1002, () => {
    throw new Error('boom');
  });
};

/** A raw socket that collects decoded frames, for protocol-level edge cases. */
async function rawPeer(addr: string): Promise<{ socket: Socket; frames: RemotingCommand[]; closed: Promise<unknown> }> {
  const [host, port] = addr.split(':');
  const socket = connect({ host, port: Number(port) });
  await once(socket, 'connect');
  const frames: RemotingCommand[] = [];
  const decoder = new FrameDecoder();
  socket.on('data', (c: Buffer) =>
    decoder.push(c, (e) => {
      if (e.kind === 'command') frames.push(e.command);
    }),
  );
  const closed = once(socket, 'close');
  socket.on('error', () => undefined);
  return { socket, frames, closed };
}


test('many requests in flight on one connection are matched by opaque, answered out of order', async () => {
  await withServer(echo, async (addr, _s, client) => {
    const delays = [60, 10, 40, 0, 20];
    const order: number[] = [];
    const replies = await Promise.all(
      delays.map((d, i) =>
        client.invoke(addr, request(1001, { delay: String(d), i: String(i) }), 3000).then((r) => {
          order.push(i);
          return r;
        }),
      ),
    );
    replies.forEach((r, i) => assert.equal(r.extFields?.i, String(i)));
    assert.notDeepEqual(order, [0, 1, 2, 3, 4], 'slow requests must not hold back fast ones');
  });
});

test('a request times out with a typed error when the server never answers', async () => {
  await withServer(
    (s) => s.register(1003, () => new Promise<undefined>(() => undefined)),
    async (addr, _s, client) => {
      await assert.rejects(client.invoke(addr, request(1003), 100), RequestTimeoutError);
    },
  );
});

test('unknown request codes get REQUEST_CODE_NOT_SUPPORTED, processor exceptions SYSTEM_ERROR', async () => {
  await withServer(echo, async (addr, _s, client) => {
    const r = await client.invoke(addr, request(4242), 1000);
    assert.equal(r.code, 3);
    assert.match(r.remark ?? '', /4242 not supported/);
    const e = await client.invoke(addr, request(1002), 1000);
    assert.equal(e.code, 1);
    assert.match(e.remark ?? '', /boom/);
  });
});

test('a server bound before its owner is ready answers SERVICE_NOT_AVAILABLE with its remark until open()', async () => {
  const server = new RemotingServer({ host: '127.0.0.1', port: 0, version: 409, name: 'starting', startingRemark: 'broker b is starting: try again shortly' });
  await server.listen();
  const client = new RemotingClient();
  try {
    const addr = `127.0.0.1:${server.port}`;
    // Nothing registered yet: without the starting state this would be REQUEST_CODE_NOT_SUPPORTED (3).
    const early = await client.invoke(addr, request(1000), 1000);
    assert.equal(early.code, 14);
    assert.equal(early.remark, 'broker b is starting: try again shortly');
    echo(server);
    assert.equal((await client.invoke(addr, request(1000), 1000)).code, 14, 'still starting: processors alone do not open it');
    server.open();
    assert.equal((await client.invoke(addr, request(1000), 1000)).code, 0);
    assert.equal((await client.invoke(addr, request(4242), 1000)).code, 3, 'unknown codes are unsupported once open');
  } finally {
    await client.close();
    await server.close(1000);
  }
});

test('oneway requests are processed and never answered', async () => {
  let seen = 0;
  await withServer(
    (s) => s.register(1004, (req) => {
      seen++;
      return responseTo(req, 0, 409);
    }),
    async (addr) => {
      const peer = await rawPeer(addr);
      peer.socket.write(frameOf(onewayRequest(1004)));
      peer.socket.write(frameOf(request(4242, undefined, undefined, { opaque: 9 })));
      await until(() => peer.frames.length === 1, 'reply to the normal request');
      assert.equal(seen, 1);
      assert.equal(peer.frames[0]!.opaque, 9);
      peer.socket.destroy();
    },
  );
});

test('requests flow both ways on one connection: the server asks the client', async () => {
  let serverConn: import('../../src/transport/connection.js').Connection | undefined;
  await withServer(
    (s) => s.register(1000, (req, conn) => {
      serverConn = conn;
      return responseTo(req, 0, 409);
    }),
    async (addr, _s, client) => {
      client.onRequest(40, (req) => responseTo(req, 0, 409, { extFields: { seen: req.extFields?.consumerGroup ?? '' } }));
      await client.invoke(addr, request(1000), 1000);
      const reply = await serverConn!.request(request(40, { consumerGroup: 'G' }), 1000);
      assert.equal(reply.extFields?.seen, 'G');
    },
  );
});

test('garbage, a 100 MiB length and a truncated frame drop only their own connection', async () => {
  await withServer(echo, async (addr, _s, client) => {
    const garbage = await rawPeer(addr);
    garbage.socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await garbage.closed;
    const huge = await rawPeer(addr);
    huge.socket.write(lengthPrefix(100 * 1024 * 1024));
    await huge.closed;
    const truncated = await rawPeer(addr);
    truncated.socket.write(frameOf(request(1000, { a: 'b' })).subarray(0, 20));
    truncated.socket.end();
    await truncated.closed;
    const r = await client.invoke(addr, request(1000, { still: 'serving' }), 1000);
    assert.equal(r.extFields?.still, 'serving');
  });
});

test('idle connections are closed after the idle timeout', async () => {
  await withServer(
    echo,
    async (addr) => {
      const peer = await rawPeer(addr);
      const started = Date.now();
      await peer.closed;
      assert.ok(Date.now() - started >= 100);
    },
    { idleTimeoutMs: 150 },
  );
});

test('graceful shutdown answers requests already in flight, then closes connections', async () => {
  const server = new RemotingServer({ host: '127.0.0.1', port: 0, version: 409 });
  echo(server);
  await server.listen();
  const client = new RemotingClient();
  const addr = `127.0.0.1:${server.port}`;
  await client.invoke(addr, request(1000), 1000);
  const slow = client.invoke(addr, request(1001, { delay: '150', tag: 'late' }), 3000);
  await new Promise((r) => setTimeout(r, 20));
  await server.close(3000);
  const reply = await slow;
  assert.equal(reply.extFields?.tag, 'late');
  await assert.rejects(client.invoke(addr, request(1000), 500), Error);
  await client.close();
});

test('closing a connection fails its pending requests with ConnectionClosedError', async () => {
  await withServer(
    (s) => s.register(1003, () => new Promise<undefined>(() => undefined)),
    async (addr, _s, client) => {
      const p = client.invoke(addr, request(1003), 5000);
      await new Promise((r) => setTimeout(r, 20));
      client.closeConnection(addr);
      await assert.rejects(p, ConnectionClosedError);
    },
  );
});

test('a peer that floods requests is paused, not buffered without bound', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  let started = 0;
  await withServer(
    (s) => s.register(1005, async (req) => {
      started++;
      await gate;
      return responseTo(req, 0, 409);
    }),
    async (addr) => {
      const peer = await rawPeer(addr);
      const frames: Buffer[] = [];
      for (let i = 0; i < 6000; i++) frames.push(frameOf(request(1005, undefined, undefined, { opaque: i })));
      peer.socket.write(Buffer.concat(frames));
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(started <= 4096, `only a bounded number of requests may be taken in (${started})`);
      release();
      await until(() => peer.frames.length === 6000, 'all replies', 10000);
      peer.socket.destroy();
    },
  );
});
