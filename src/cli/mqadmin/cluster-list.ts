/** mqadmin clusterList's two tables, laid out as Apache's ClusterListSubCommand prints them. */
import type { Admin } from '../../client/admin.js';

const out = (line = ''): void => void process.stdout.write(line + '\n');
const pad = (s: unknown, n: number): string => String(s).padEnd(n);

/** Java's `%9.2f`-style: fixed decimals, right-aligned. */
const fixed = (n: number, decimals: number, width = 0): string => n.toFixed(decimals).padStart(width);
const firstNumber = (text: string | undefined): number => {
  const n = Number((text ?? '').split(' ')[0]);
  return Number.isFinite(n) ? n : 0;
};

/**
 * clusterList's table, with Apache ClusterListSubCommand's columns and widths, each figure taken
 * from the GET_BROKER_RUNTIME_INFO field Apache reads for it.
 */
export async function printClusterBase(admin: Admin): Promise<void> {
  const row = (c: unknown, n: unknown, id: unknown, addr: unknown, version: unknown, inTps: string, outTps: string, pcWait: unknown, hour: string, space: string): void =>
    out(`${pad(c, 16)}  ${pad(n, 22)}  ${pad(id, 4)}  ${pad(addr, 22)} ${pad(version, 16)} ${inTps.padStart(19)} ${outTps.padStart(19)} ${String(pcWait).padStart(10)} ${hour.padStart(5)} ${space.padStart(6)}`);
  const rows = await clusterRows(admin); // before the header: a failure prints only its error line
  row('#Cluster Name', '#Broker Name', '#BID', '#Addr', '#Version', '#InTPS(LOAD)', '#OutTPS(LOAD)', '#PCWait(ms)', '#Hour', '#SPACE');
  for (const b of rows) {
    const rt = b.runtime;
    if (!rt) {
      row(b.cluster, b.brokerName, b.brokerId, b.addr, '(unreachable)', '', '', '', '', '');
      continue;
    }
    const earliest = Number(rt.earliestMessageTimeStamp);
    // An empty store reports 0 or -1: show 0 hours, not the time since 1970.
    const hour = Number.isFinite(earliest) && earliest > 0 ? (Date.now() - earliest) / 3_600_000 : 0;
    const space = Number(rt.commitLogDiskRatio);
    row(
      b.cluster, b.brokerName, b.brokerId, b.addr, rt.brokerVersionDesc ?? '',
      `${fixed(firstNumber(rt.putTps), 2, 9)}(${rt.sendThreadPoolQueueSize ?? ''},${rt.sendThreadPoolQueueHeadWaitTimeMills ?? ''}ms)`,
      `${fixed(firstNumber(rt.getTransferedTps), 2, 9)}(${rt.pullThreadPoolQueueSize ?? ''},${rt.pullThreadPoolQueueHeadWaitTimeMills ?? ''}ms)`,
      rt.pageCacheLockTimeMills ?? '',
      fixed(hour, 2, 2),
      fixed(Number.isFinite(space) ? space : 0, 4),
    );
  }
}

/** clusterList -m: messages in and out per broker, yesterday and today, from the runtime counters. */
export async function printClusterTotals(admin: Admin): Promise<void> {
  const row = (c: unknown, n: unknown, a: unknown, b: unknown, d: unknown, e: unknown): void =>
    out(`${pad(c, 16)}  ${pad(n, 32)} ${String(a).padStart(14)} ${String(b).padStart(14)} ${String(d).padStart(14)} ${String(e).padStart(14)}`);
  const rows = await clusterRows(admin);
  row('#Cluster Name', '#Broker Name', '#InTotalYest', '#OutTotalYest', '#InTotalToday', '#OutTotalToday');
  for (const b of rows) {
    const rt = b.runtime ?? {};
    const n = (k: string): number => {
      const v = Number(rt[k]);
      return Number.isFinite(v) ? v : 0;
    };
    row(
      b.cluster, b.brokerName,
      n('msgPutTotalTodayMorning') - n('msgPutTotalYesterdayMorning'),
      n('msgGetTotalTodayMorning') - n('msgGetTotalYesterdayMorning'),
      n('msgPutTotalTodayNow') - n('msgPutTotalTodayMorning'),
      n('msgGetTotalTodayNow') - n('msgGetTotalTodayMorning'),
    );
  }
}

/** Every broker the NameServers know, by cluster, name and id, with its runtime info (undefined if unreachable). */
async function clusterRows(admin: Admin): Promise<Array<{ cluster: string; brokerName: string; brokerId: number; addr: string; runtime?: Record<string, string> }>> {
  const info = await admin.clusterInfo();
  const rows = [];
  for (const [cluster, names] of info.clusterAddrTable) {
    for (const brokerName of [...names].sort()) {
      const addrs = [...(info.brokerAddrTable.get(brokerName)?.brokerAddrs ?? new Map<number, string>())].sort((a, b) => a[0] - b[0]);
      for (const [brokerId, addr] of addrs) {
        const runtime = await admin.brokerRuntimeInfo(addr).catch(() => undefined);
        rows.push({ cluster, brokerName, brokerId, addr, runtime });
      }
    }
  }
  return rows;
}
