/**
 * Admin/probe requests the conformance harness (and scenarios, through dynamic import) sends to the
 * NameServer and broker under test. It uses Apogee's own remoting client and frame codec from the built
 * root project (dist/), never ali-ons, so that checks of server state do not depend on the client being
 * tested. Header fields follow remoting-protocol.md §3.2/§3.3; all values travel as strings, as Java sends.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'dist', 'src');
if (!existsSync(join(dist, 'transport', 'client.js'))) {
  throw new Error(`conformance: ${dist} is missing; build the root project first (npm run build)`);
}
const { RemotingClient } = await import(join(dist, 'transport', 'client.js'));
const { command } = await import(join(dist, 'codec', 'command.js'));
const { parseFastJson } = await import(join(dist, 'codec', 'fastjson.js'));

/** Wire version the probe requests carry (MQVersion V4_3_2, what a 4.3.2 mqadmin sends). */
const V4_3_2 = 277;

export const Code = {
  SUCCESS: 0,
  SYSTEM_ERROR: 1,
  TOPIC_NOT_EXIST: 17,
  QUERY_NOT_FOUND: 22,
};

export class Admin {
  constructor() {
    this.client = new RemotingClient({ idleTimeoutMs: 0, connectTimeoutMs: 3000 });
  }

  /** One request; resolves with the response command (code, remark, extFields, body). */
  async call(addr, code, fields = {}, { body, timeoutMs = 5000 } = {}) {
    const extFields = {};
    for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null) extFields[k] = String(v);
    const req = command({ code, version: V4_3_2, extFields, body });
    return this.client.invoke(addr, req, timeoutMs);
  }

  /** UPDATE_AND_CREATE_TOPIC (17), as `mqadmin updateTopic` sends it. */
  async createTopic(broker, topic, { queues = 4, perm = 6, order = false } = {}) {
    const res = await this.call(broker, 17, {
      topic,
      defaultTopic: 'TBW102',
      readQueueNums: queues,
      writeQueueNums: queues,
      perm,
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: 0,
      order,
    });
    if (res.code !== Code.SUCCESS) {
      throw new Error(`UPDATE_AND_CREATE_TOPIC ${topic} at ${broker}: code ${res.code} ${res.remark ?? ''}`);
    }
  }

  /** GET_ROUTEINFO_BY_TOPIC (105) at the NameServer → { code, remark, route? }. */
  async route(namesrv, topic) {
    const res = await this.call(namesrv, 105, { topic });
    const route = res.code === Code.SUCCESS && res.body ? parseFastJson(res.body) : undefined;
    return { code: res.code, remark: res.remark, route };
  }

  /** Polls the NameServer until `topic` has a route with `queues` readable+writable queues. */
  async waitRoute(namesrv, topic, { queues = 4, timeoutMs = 10_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
      last = await this.route(namesrv, topic);
      const qd = last.route?.queueDatas ?? [];
      if (qd.some((q) => Number(q.readQueueNums) >= queues && Number(q.writeQueueNums) >= queues)) return last.route;
      if (Date.now() > deadline) {
        throw new Error(
          `route of ${topic} not at ${namesrv} with ${queues} queues after ${timeoutMs} ms ` +
            `(last answer: code ${last.code} ${last.remark ?? ''} ${JSON.stringify(last.route ?? null)})`,
        );
      }
      await sleep(100);
    }
  }

  /** QUERY_CONSUMER_OFFSET (14) → { code, remark, offset }. */
  async queryConsumerOffset(broker, group, topic, queueId) {
    const res = await this.call(broker, 14, { consumerGroup: group, topic, queueId });
    return { code: res.code, remark: res.remark, offset: offsetOf(res) };
  }

  /** GET_MAX_OFFSET (30) → { code, remark, offset }. */
  async maxOffset(broker, topic, queueId) {
    const res = await this.call(broker, 30, { topic, queueId });
    return { code: res.code, remark: res.remark, offset: offsetOf(res) };
  }

  /** GET_MIN_OFFSET (31) → { code, remark, offset }. */
  async minOffset(broker, topic, queueId) {
    const res = await this.call(broker, 31, { topic, queueId });
    return { code: res.code, remark: res.remark, offset: offsetOf(res) };
  }

  /** QUERY_MESSAGE (12) by key, as `mqadmin queryMsgByKey` sends it → { code, remark, messages }. */
  async queryMessageByKey(broker, topic, key) {
    const res = await this.call(broker, 12, {
      topic,
      key,
      maxNum: 64,
      beginTimestamp: 0,
      endTimestamp: '9223372036854775807',
      _UNIQUE_KEY_QUERY: 'false',
    });
    const messages = res.code === Code.SUCCESS && res.body ? decodeStoredMessages(res.body) : [];
    return { code: res.code, remark: res.remark, messages };
  }

  async close() {
    await this.client.close();
  }
}

function offsetOf(res) {
  const v = res.extFields?.offset;
  return v === undefined ? undefined : Number(v);
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Decodes concatenated stored messages (remoting-protocol.md §6.6, IPv4 layout), for checks only.
 * Throws on a record that does not add up, instead of guessing.
 */
export function decodeStoredMessages(buf) {
  const out = [];
  let p = 0;
  while (p < buf.length) {
    const total = buf.readInt32BE(p);
    if (total < 91 || p + total > buf.length) throw new Error(`stored message at ${p}: bad TOTALSIZE ${total}`);
    const r = buf.subarray(p, p + total);
    const sysFlag = r.readInt32BE(36);
    const host = (o) => `${r[o]}.${r[o + 1]}.${r[o + 2]}.${r[o + 3]}:${r.readInt32BE(o + 4)}`;
    const bodyLen = r.readInt32BE(84);
    const body = r.subarray(88, 88 + bodyLen);
    let q = 88 + bodyLen;
    const topicLen = r.readInt8(q);
    const topic = r.subarray(q + 1, q + 1 + topicLen).toString('utf8');
    q += 1 + topicLen;
    const propLen = r.readInt16BE(q);
    const propStr = r.subarray(q + 2, q + 2 + propLen).toString('utf8');
    const properties = {};
    for (const item of propStr.split('\u0002')) {
      if (!item) continue;
      const i = item.indexOf('\u0001');
      if (i > 0) properties[item.slice(0, i)] = item.slice(i + 1);
    }
    const msgId = Buffer.concat([r.subarray(64, 72), r.subarray(28, 36)]).toString('hex').toUpperCase();
    out.push({
      magic: r.readInt32BE(4) >>> 0,
      queueId: r.readInt32BE(12),
      flag: r.readInt32BE(16),
      queueOffset: Number(r.readBigInt64BE(20)),
      physicalOffset: Number(r.readBigInt64BE(28)),
      sysFlag,
      bornTimestamp: Number(r.readBigInt64BE(40)),
      bornHost: host(48),
      storeTimestamp: Number(r.readBigInt64BE(56)),
      storeHost: host(64),
      reconsumeTimes: r.readInt32BE(72),
      body,
      topic,
      properties,
      msgId,
    });
    p += total;
  }
  return out;
}
