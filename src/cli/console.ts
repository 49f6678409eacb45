/**
 * `apogee console`: the web console (src/console) for a cluster, by its NameServers or by a local
 * cluster's data directory. Prints one JSON line when it listens (for scripts), then where to point
 * a browser; stops on SIGTERM or Ctrl-C.
 */
import { parseArgs } from 'node:util';
import { setLogLevel } from '../common/logger.js';
import { ConsoleConfigError, startConsole } from '../console/server.js';
import { onShutdownSignals } from './signals.js';
import { UsageError } from './run.js';

export const CONSOLE_USAGE = `usage: apogee console [--namesrv 'ADDR;ADDR'] [--cluster DIR] [--port 8080] [--host 127.0.0.1]
  --namesrv  the cluster's NameServers (default: those of --cluster, else $NAMESRV_ADDR)
  --cluster  an apogee cluster's data directory: its brokers are listed even when down, and the
             Upgrade page shows the state of apogee upgrade on it
  --port     the HTTP port (0 picks a free one);  --host: the address to listen on (loopback by default)`;

export async function consoleMain(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        namesrv: { type: 'string', short: 'n' },
        cluster: { type: 'string' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(CONSOLE_USAGE + '\n');
    return 0;
  }
  const portText = (values.port as string | undefined) ?? '8080';
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port ${portText}: not a port number (0..65535)`);
  const host = (values.host as string | undefined) ?? '127.0.0.1';
  const clusterDir = values.cluster as string | undefined;
  const namesrvAddr = (values.namesrv as string | undefined) ?? (clusterDir ? undefined : process.env.NAMESRV_ADDR);
  if (!namesrvAddr && !clusterDir) throw new UsageError('no NameServer: give --namesrv ADDR[;ADDR], --cluster DIR, or set NAMESRV_ADDR');
  // The console's own client logs (reconnects to a NameServer that is down) would drown its output.
  setLogLevel('silent');
  let server;
  try {
    server = await startConsole({ namesrvAddr, clusterDir, port, host });
  } catch (err) {
    if (err instanceof ConsoleConfigError) throw new UsageError(err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`${host}:${port} is in use: choose another --port`);
    if (code === 'EADDRNOTAVAIL') throw new Error(`${host} is not an address of this machine: choose another --host`);
    throw err;
  }
  onShutdownSignals(() => server.close(), 'apogee console');
  process.stdout.write(JSON.stringify({ ready: true, url: server.url, namesrv: server.namesrvAddr }) + '\n');
  process.stdout.write(`Apogee console: ${server.url}/  (NameServers ${server.namesrvAddr}${clusterDir ? `, cluster ${clusterDir}` : ''})\n`);
  return 0;
}
