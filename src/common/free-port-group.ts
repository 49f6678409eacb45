/** Ports for a broker told to listen on port 0: its companion ports sit at fixed offsets from the listen port. */
import { createServer, type Server } from 'node:net';

/**
 * A port p for a broker's "listenPort 0" whose companions at the given offsets are free too: p − 2 (VIP), p + 1 (HA, unless
 * configured), p + 3 (metrics, unless configured). Picked below Linux's default ephemeral range (32768–60999):
 * above it, the port next to a free one is often the local end of some outgoing connection a moment later, and a
 * restart on the same listenPort must find its companions free again.
 */
export async function freePortGroup(host: string, offsets: number[], candidate: () => number = belowEphemeral): Promise<number> {
  const tryListen = (port: number): Promise<Server | undefined> =>
    new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(undefined));
      s.listen(port, host, () => resolve(s));
    });
  for (let i = 0; i < 200; i++) {
    const port = candidate();
    const held: Server[] = [];
    let free = true;
    for (const offset of [0, ...offsets]) {
      const s = await tryListen(port + offset);
      if (!s) {
        free = false;
        break;
      }
      held.push(s);
    }
    for (const s of held) await new Promise<void>((r) => s.close(() => r()));
    if (free) return port;
  }
  throw new Error(`no free port found for the broker with its companions at ${offsets.map((o) => (o < 0 ? `${o}` : `+${o}`)).join(', ')}`);
}

function belowEphemeral(): number {
  return 10002 + Math.floor(Math.random() * 22700);
}
