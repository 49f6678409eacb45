/** Builds REGISTER_BROKER requests the way brokers of a chosen version send them. */
import { crc32 } from 'node:zlib';
import { command, type RemotingCommand } from '../../src/codec/command.js';
import { encodeRegisterBrokerBody, type TopicConfig } from '../../src/protocol/route.js';

export interface FakeBroker {
  cluster?: string;
  name: string;
  id?: number;
  addr: string;
  haAddr?: string;
  version: number;
  topics?: Array<Partial<TopicConfig> & { topicName: string }>;
  counter?: number;
  timestamp?: number;
}

export function topicConfig(t: Partial<TopicConfig> & { topicName: string }): TopicConfig {
  return { readQueueNums: 4, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false, ...t };
}

export function registerRequest(b: FakeBroker): RemotingCommand {
  const body = encodeRegisterBrokerBody({
    topicConfigTable: new Map((b.topics ?? []).map((t) => [t.topicName, topicConfig(t)])),
    dataVersion: { counter: b.counter ?? 0, timestamp: b.timestamp ?? 1700000000000 },
    filterServerList: [],
  });
  return command({
    code: 103,
    version: b.version,
    extFields: {
      brokerName: b.name,
      brokerAddr: b.addr,
      clusterName: b.cluster ?? 'DefaultCluster',
      haServerAddr: b.haAddr ?? b.addr.replace(/:(\d+)$/, (_m, p: string) => `:${Number(p) + 1}`),
      brokerId: String(b.id ?? 0),
      compressed: 'false',
      bodyCrc32: String(crc32(body) & 0x7fffffff),
    },
    body,
  });
}
