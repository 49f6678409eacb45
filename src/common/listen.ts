/** Binding a server socket, with failures turned into one clear line naming the address. */
import type { Server } from 'node:net';

const REASONS: Record<string, string> = {
  EADDRINUSE: 'address already in use (another process has this port)',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'address not available on this host',
};

/** Resolves once listening; rejects (never emits an unhandled 'error') when the bind fails. */
export function listenOn(server: Server, port: number, host: string, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const reason = (err.code && REASONS[err.code]) ?? err.message;
      const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      reject(Object.assign(new Error(`${what} cannot listen on ${where}: ${reason}`), { code: err.code }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
