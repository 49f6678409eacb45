/**
 * The one way tests, the conformance suite and benchmarks start real Apogee servers — one call to
 * start, one `stop()` that always stops (idempotent, and safe after a failed start: a launch that fails
 * part-way stops what it had started before it throws).
 *
 *   launch({ mode: 'in-process' })             NameServer + broker in this process (fast unit tests)
 *   launch({ mode: 'in-process-namesrv' })     a NameServer alone in this process
 *   launch({ mode: 'node' })                   `apogee start` as a child process (CLI, conformance, bench)
 *   launch({ mode: 'cluster', topology })      a whole topology of mqnamesrv/mqbroker processes (src/cluster)
 *
 * Every handle has `namesrvAddr` and `stop()`; `withServers(spec, fn)` runs `fn` and stops afterwards
 * whatever happens. `spawnServer` runs a single server CLI with arguments of the test's choosing.
 * Everything here binds loopback only, on ephemeral (or randomly chosen free) ports, in temp dirs.
 */
import { startInProcess, startInProcessNamesrv, type InProcessCluster, type InProcessNamesrv, type InProcessNamesrvOptions, type InProcessOptions } from './in-process.js';
import { ApogeeNode, type NodeOptions } from './node.js';
import { startTopology, type ClusterProcesses, type TopologyOptions } from './topology.js';
import { ServerProcess, type ProcessOptions, type ServerCli } from './process.js';

export type { InProcessCluster, InProcessNamesrv, InProcessNamesrvOptions, InProcessOptions } from './in-process.js';
export type { NodeOptions } from './node.js';
export type { ClusterProcesses, TopologyOptions } from './topology.js';
export type { Exit, ProcessOptions, ServerCli, Stopped } from './process.js';
export { ApogeeNode, ServerProcess };
export { cliPath } from './process.js';

export type LaunchSpec =
  | ({ mode: 'in-process' } & InProcessOptions)
  | ({ mode: 'in-process-namesrv' } & InProcessNamesrvOptions)
  | ({ mode: 'node' } & NodeOptions)
  | ({ mode: 'cluster' } & TopologyOptions);

/** What every launch returns. */
export interface Launched {
  namesrvAddr: string;
  stop(): Promise<unknown>;
}

export function launch(spec: { mode: 'in-process' } & InProcessOptions): Promise<InProcessCluster>;
export function launch(spec: { mode: 'in-process-namesrv' } & InProcessNamesrvOptions): Promise<InProcessNamesrv>;
export function launch(spec: { mode: 'node' } & NodeOptions): Promise<ApogeeNode>;
export function launch(spec: { mode: 'cluster' } & TopologyOptions): Promise<ClusterProcesses>;
export function launch(spec: LaunchSpec): Promise<Launched>;
export async function launch(spec: LaunchSpec): Promise<Launched> {
  switch (spec.mode) {
    case 'in-process':
      return startInProcess(spec);
    case 'in-process-namesrv':
      return startInProcessNamesrv(spec);
    case 'node': {
      const node = new ApogeeNode(spec);
      try {
        await node.start();
      } catch (err) {
        await node.stop(0);
        throw err;
      }
      return node;
    }
    case 'cluster':
      return startTopology(spec);
  }
}

/** Launches, runs `fn` with the servers, and stops them whether `fn` returns or throws. */
export async function withServers<S extends LaunchSpec, T>(spec: S, fn: (servers: HandleOf<S>) => Promise<T>): Promise<T> {
  const servers = (await launch(spec)) as HandleOf<S>;
  try {
    return await fn(servers);
  } finally {
    await servers.stop();
  }
}

/** The handle `launch` returns for a spec. */
export type HandleOf<S extends LaunchSpec> = S extends { mode: 'in-process' }
  ? InProcessCluster
  : S extends { mode: 'in-process-namesrv' }
    ? InProcessNamesrv
    : S extends { mode: 'node' }
      ? ApogeeNode
      : ClusterProcesses;

/**
 * One server CLI as a child process with the test's own arguments (e.g. `mqbroker -c <file>`), for tests
 * of the CLI itself: wait for its lines with `waitFor`, end it with `stop()` (SIGTERM, then SIGKILL) or
 * `kill()`.
 */
export function spawnServer(cli: ServerCli, args: string[], options: Omit<ProcessOptions, 'cli' | 'args'> = {}): ServerProcess {
  return new ServerProcess({ cli, args, ...options });
}
