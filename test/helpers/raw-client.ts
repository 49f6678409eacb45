/**
 * A thin test client speaking the broker protocol directly (what ali-ons and Java clients send),
 * for tests that must see every response code rather than a client library's interpretation.
 */
import { command, type RemotingCommand } from '../../src/codec/command.js';
import { decodeRecords, type StoredMessage } from '../../src/codec/message-record.js';
import { encodeProperties } from '../../src/codec/message-properties.js';
import { RemotingClient } from '../../src/transport/client.js';

export class RawClient {
  readonly remoting = new RemotingClient();
  constructor(readonly brokerAddr: string) {}

  send(topic: string, body: string | Buffer, opts: { queueId?: number; tags?: string; keys?: string; props?: Record<string, string>; group?: string; delayLevel?: number; sysFlag?: number } = {}): Promise<RemotingCommand> {
    const props: Record<string, string> = { ...(opts.props ?? {}), WAIT: 'true' };
    if (opts.tags) props.TAGS = opts.tags;
    if (opts.keys) props.KEYS = opts.keys;
    if (opts.delayLevel) props.DELAY = String(opts.delayLevel);
    return this.remoting.invoke(this.brokerAddr, command({
      code: 310,
      version: 409,
      extFields: {
        a: opts.group ?? 'RawProducer', b: topic, c: 'TBW102', d: '4', e: String(opts.queueId ?? -1), f: String(opts.sysFlag ?? 0),
        g: String(Date.now()), h: '0', i: encodeProperties(props), j: '0', k: 'false', m: 'false',
      },
      body: typeof body === 'string' ? Buffer.from(body) : body,
    }), 5000);
  }

  /** A pull carrying its own subscription (as ali-ons does), so no heartbeat is needed. */
  async pull(group: string, topic: string, queueId: number, offset: number, opts: { max?: number; subscription?: string; suspendMs?: number; commitOffset?: number } = {}): Promise<{ cmd: RemotingCommand; messages: StoredMessage[]; next: number }> {
    const suspend = opts.suspendMs !== undefined && opts.suspendMs > 0;
    const sysFlag = 4 | (suspend ? 2 : 0) | (opts.commitOffset !== undefined ? 1 : 0);
    const cmd = await this.remoting.invoke(this.brokerAddr, command({
      code: 11,
      version: 409,
      extFields: {
        consumerGroup: group, topic, queueId: String(queueId), queueOffset: String(offset), maxMsgNums: String(opts.max ?? 32),
        sysFlag: String(sysFlag), commitOffset: String(opts.commitOffset ?? 0), suspendTimeoutMillis: String(opts.suspendMs ?? 0),
        subscription: opts.subscription ?? '*', subVersion: String(Date.now()), expressionType: 'TAG',
      },
    }), 30_000);
    const messages = cmd.code === 0 && cmd.body ? decodeRecords(cmd.body) : [];
    return { cmd, messages, next: Number(cmd.extFields?.nextBeginOffset ?? offset) };
  }

  /** Every message of a queue from `offset` to its end. */
  async drainQueue(group: string, topic: string, queueId: number, offset = 0): Promise<StoredMessage[]> {
    const out: StoredMessage[] = [];
    for (let guard = 0; guard < 100_000; guard++) {
      const r = await this.pull(group, topic, queueId, offset);
      if (r.cmd.code !== 0 && r.cmd.code !== 20) break;
      out.push(...r.messages);
      if (r.next === offset) break;
      offset = r.next;
    }
    return out;
  }

  async request(code: number, extFields?: Record<string, string>, body?: Buffer, addr = this.brokerAddr): Promise<RemotingCommand> {
    return this.remoting.invoke(addr, command({ code, version: 409, extFields, body }), 5000);
  }

  close(): Promise<void> {
    return this.remoting.close();
  }
}
