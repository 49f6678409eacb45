/**
 * A scripted NameServer + broker in one listener, for wire-shape tests of the client SDK: it
 * records every request and answers the few codes a client needs with fixed, well-formed replies.
 * It stores nothing and delivers no messages (the real broker is used for that).
 */
import { RemotingServer } from '../../../src/transport/server.js';
import { responseTo, type RemotingCommand } from '../../../src/codec/command.js';
import { encodeTopicRouteData } from '../../../src/protocol/route.js';
import { encodeOffsetMsgId } from '../../../src/codec/message-id.js';
import { toFastJson } from '../../../src/codec/fastjson.js';
import { parseFastJson } from '../../../src/codec/fastjson.js';

export interface FakePeer {
  addr: string;
  requests: RemotingCommand[];
  /** Overrides per request code; return undefined to fall back to the default answer. */
  handlers: Map<number, (req: RemotingCommand) => RemotingCommand | null | undefined | Promise<RemotingCommand | null | undefined>>;
  topics: Map<string, number>;
  /** The listener, e.g. to send broker→client requests on its accepted connections. */
  server: RemotingServer;
  stop(): Promise<void>;
  waitFor(code: number, count?: number, ms?: number): Promise<RemotingCommand[]>;
}

export async function startFakePeer(topics: Record<string, number> = {}): Promise<FakePeer> {
  const server = new RemotingServer({ port: 0, host: '127.0.0.1', version: 409, name: 'fake-peer', idleTimeoutMs: 0 });
  const requests: RemotingCommand[] = [];
  const handlers: FakePeer['handlers'] = new Map();
  const topicTable = new Map(Object.entries(topics));
  const offsets = new Map<string, number>();
  /** Consumer offsets stored by UPDATE_CONSUMER_OFFSET, answered by QUERY_CONSUMER_OFFSET. */
  const committed = new Map<string, number>();
  const groups = new Map<string, Set<string>>();
  let physical = 0;
  const timers = new Set<NodeJS.Timeout>();
  let addr = '';
  const ok = (req: RemotingCommand, extFields?: Record<string, string>, body?: Buffer) => responseTo(req, 0, 409, { extFields, body });
  const defaults = (req: RemotingCommand): RemotingCommand | null | Promise<RemotingCommand | null> => {
    const ext = req.extFields ?? {};
    switch (req.code) {
      case 105: {
        const n = topicTable.get(ext.topic!);
        if (n === undefined) return responseTo(req, 17, 409, { remark: `No topic route info in name server for the topic: ${ext.topic}` });
        return ok(req, undefined, encodeTopicRouteData({
          queueDatas: [{ brokerName: 'fake-broker', readQueueNums: n, writeQueueNums: n, perm: 6, topicSysFlag: 0 }],
          brokerDatas: [{ cluster: 'FakeCluster', brokerName: 'fake-broker', brokerAddrs: new Map([[0, addr]]) }],
          filterServerTable: new Map(),
        }, false));
      }
      case 34: {
        const hb = parseFastJson(req.body!) as { clientID: string; consumerDataSet: Array<{ groupName: string }> };
        for (const c of hb.consumerDataSet) {
          const set = groups.get(c.groupName) ?? new Set<string>();
          set.add(hb.clientID);
          groups.set(c.groupName, set);
        }
        return ok(req);
      }
      case 310:
      case 320: {
        const key = `${ext.b}:${ext.e}`;
        const count = req.code === 320 ? countBatch(req.body!) : 1;
        const q = offsets.get(key) ?? 0;
        offsets.set(key, q + count);
        const ids: string[] = [];
        for (let i = 0; i < count; i++) ids.push(encodeOffsetMsgId({ ip: '127.0.0.1', port: 10911 }, (physical += 100)));
        return ok(req, { msgId: ids.join(','), queueId: ext.e!, queueOffset: String(q), MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' });
      }
      case 38:
        return ok(req, {}, Buffer.from(toFastJson({ consumerIdList: [...(groups.get(ext.consumerGroup!) ?? [])] })));
      case 14:
        return ok(req, { offset: String(committed.get(`${ext.consumerGroup}@${ext.topic}@${ext.queueId}`) ?? 0) });
      case 15:
        committed.set(`${ext.consumerGroup}@${ext.topic}@${ext.queueId}`, Number(ext.commitOffset));
        return ok(req);
      case 30:
      case 31:
      case 29:
        return ok(req, { offset: '0' });
      case 11:
        return new Promise((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            resolve(responseTo(req, 19, 409, { remark: 'OFFSET_OVERFLOW_ONE', extFields: { suggestWhichBrokerId: '0', nextBeginOffset: ext.queueOffset!, minOffset: '0', maxOffset: ext.queueOffset! } }));
          }, 50);
          timers.add(t);
        });
      case 41: {
        const body = parseFastJson(req.body!) as { mqSet: unknown[] };
        return ok(req, undefined, Buffer.from(toFastJson({ lockOKMQSet: body.mqSet })));
      }
      default:
        return ok(req);
    }
  };
  const waiters = new Set<() => void>();
  for (const code of [105, 34, 35, 310, 320, 38, 14, 15, 29, 30, 31, 11, 36, 37, 41, 42, 46]) {
    server.register(code, async (req) => {
      requests.push(req);
      for (const w of waiters) w();
      const custom = handlers.get(code);
      if (custom) {
        const r = await custom(req);
        if (r !== undefined) return r;
      }
      return defaults(req);
    });
  }
  const info = await server.listen();
  addr = `127.0.0.1:${info.port}`;
  return {
    addr,
    requests,
    handlers,
    topics: topicTable,
    server,
    async stop() {
      for (const t of timers) clearTimeout(t);
      await server.close(100);
    },
    async waitFor(code, count = 1, ms = 5000) {
      const end = Date.now() + ms;
      for (;;) {
        const got = requests.filter((r) => r.code === code);
        if (got.length >= count) return got;
        if (Date.now() > end) throw new Error(`timed out waiting for ${count} request(s) with code ${code}, got ${got.length}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 20);
          const w = (): void => {
            clearTimeout(t);
            waiters.delete(w);
            resolve();
          };
          waiters.add(w);
        });
      }
    },
  };
}

function countBatch(body: Buffer): number {
  let n = 0;
  for (let pos = 0; pos < body.length; pos += body.readInt32BE(pos)) n++;
  return n;
}
