/**
 * mqadmin — Consumer groups: subscription group config, progress (lag per queue), consumer status
 * and offsets. Names, flags and output follow Apache RocketMQ 4.x's tools/command/consumer and
 * tools/command/offset *SubCommand/*Command classes (4.3.2, the version of the recorded outputs in
 * test/fixtures/rocketmq-4.3.2/wire/logs/driver-output.txt).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Admin } from '../../client/admin.js';
import { formatJavaDouble } from '../../codec/fastjson.js';
import { mqKey } from '../../protocol/bodies/message-queue.js';
import { RunningInfoProp, type ConsumerRunningInfo } from '../../protocol/bodies/running-info.js';
import { dlqTopic, RETRY_PREFIX, retryTopic } from '../../protocol/system-topics.js';
import { versionName } from '../../protocol/version.js';
import { parseTimestamp } from '../time-arg.js';
import { boolOpt, col, type Command, formatDateTime, intOpt, need, opt, out, pad, print, UsageError } from './command.js';

/** Java's UtilAll.timeMillisToHumanString: yyyyMMddHHmmssSSS, local time. */
function humanMillis(ms: number): string {
  return formatDateTime(ms, true).replace(/[-: ,]/g, '');
}

/** ConsumerRunningInfo.formatString(), the report consumerStatus prints and saves per client. */
export function formatRunningInfo(info: ConsumerRunningInfo): string {
  const lines: string[] = ['#Consumer Properties#'];
  for (const k of Object.keys(info.properties).sort()) lines.push(`${pad(k, 40)}: ${info.properties[k]}`);
  lines.push('', '', '#Consumer Subscription#');
  // A TreeSet in Java, ordered by "topic@expression" (SubscriptionData.compareTo).
  const subs = [...info.subscriptionSet].sort((a, b) => { const [x, y] = [`${a.topic}@${a.subString}`, `${b.topic}@${b.subString}`]; return x < y ? -1 : x > y ? 1 : 0; });
  subs.forEach((s, i) => lines.push(`${String(i + 1).padStart(3, '0')} Topic: ${pad(s.topic, 40)} ClassFilter: ${pad(s.classFilterMode, 8)} SubExpression: ${s.subString}`));
  lines.push('', '', '#Consumer Offset#', `${pad('#Topic', 32)}  ${pad('#Broker Name', 32)}  ${pad('#QID', 4)}  ${pad('#Consumer Offset', 20)}`);
  for (const { mq, info: q } of info.mqTable) lines.push(`${pad(mq.topic, 32)}  ${pad(mq.brokerName, 32)}  ${pad(mq.queueId, 4)}  ${pad(q.commitOffset, 20)}`);
  lines.push('', '', '#Consumer MQ Detail#', `${pad('#Topic', 32)}  ${pad('#Broker Name', 32)}  ${pad('#QID', 4)}  ${pad('#ProcessQueueInfo', 20)}`);
  for (const { mq, info: q } of info.mqTable) {
    const pq =
      `ProcessQueueInfo [commitOffset=${q.commitOffset}, cachedMsgMinOffset=${q.cachedMsgMinOffset}, cachedMsgMaxOffset=${q.cachedMsgMaxOffset}, cachedMsgCount=${q.cachedMsgCount}, ` +
      `cachedMsgSizeInMiB=${q.cachedMsgSizeInMiB}, transactionMsgMinOffset=${q.transactionMsgMinOffset}, transactionMsgMaxOffset=${q.transactionMsgMaxOffset}, ` +
      `transactionMsgCount=${q.transactionMsgCount}, locked=${q.locked}, tryUnlockTimes=${q.tryUnlockTimes}, lastLockTimestamp=${humanMillis(q.lastLockTimestamp)}, ` +
      `droped=${q.droped}, lastPullTimestamp=${humanMillis(q.lastPullTimestamp)}, lastConsumeTimestamp=${humanMillis(q.lastConsumeTimestamp)}]`;
    lines.push(`${pad(mq.topic, 32)}  ${pad(mq.brokerName, 32)}  ${pad(mq.queueId, 4)}  ${pq}`);
  }
  lines.push('', '', '#Consumer RT&TPS#');
  lines.push(`${pad('#Topic', 32)}  ${'#Pull RT'.padStart(14)} ${'#Pull TPS'.padStart(14)} ${'#Consume RT'.padStart(14)} ${'#ConsumeOK TPS'.padStart(14)} ${'#ConsumeFailed TPS'.padStart(18)} ${'#ConsumeFailedMsgsInHour'.padStart(25)}`);
  const f = (n: number, w: number): string => n.toFixed(2).padStart(w);
  for (const [topic, s] of info.statusTable) {
    lines.push(`${pad(topic, 32)}  ${f(s.pullRT, 14)} ${f(s.pullTPS, 14)} ${f(s.consumeRT, 14)} ${f(s.consumeOKTPS, 14)} ${f(s.consumeFailedTPS, 18)} ${String(s.consumeFailedMsgs).padStart(25)}`);
  }
  let text = lines.join('\n') + '\n';
  if (info.jstack !== undefined) text += `\n\n#Consumer jstack#\n${info.jstack}`;
  return text;
}

const subscriptionKey = (info: ConsumerRunningInfo): string =>
  JSON.stringify([...info.subscriptionSet].map((s) => [s.topic, s.subString, s.expressionType]).sort());

/**
 * ConsumerRunningInfo.analyzeSubscription: a push group running for over two minutes must have one
 * subscription on every client, and not an empty one.
 */
function sameSubscription(infos: ConsumerRunningInfo[]): boolean {
  const first = infos[0];
  if (!first) return true;
  const push = first.properties[RunningInfoProp.CONSUME_TYPE] === 'CONSUME_PASSIVELY';
  const started = Number(first.properties[RunningInfoProp.CONSUMER_START_TIMESTAMP] ?? 0);
  if (!push || Date.now() - started <= 120_000) return true;
  if (infos.some((i) => subscriptionKey(i) !== subscriptionKey(first))) return false;
  return infos[infos.length - 1]!.subscriptionSet.length > 0;
}

/** ConsumerRunningInfo.analyzeProcessQueue: queues that cannot lock (orderly) or seem blocked (concurrently). */
function processQueueWarnings(clientId: string, info: ConsumerRunningInfo): string {
  if (info.properties[RunningInfoProp.CONSUME_TYPE] !== 'CONSUME_PASSIVELY') return '';
  const orderly = info.properties[RunningInfoProp.CONSUME_ORDERLY] === 'true';
  const now = Date.now();
  let text = '';
  for (const { mq, info: q } of info.mqTable) {
    const name = `MessageQueue [topic=${mq.topic}, brokerName=${mq.brokerName}, queueId=${mq.queueId}]`;
    if (orderly) {
      if (!q.locked) text += `${clientId} ${name} can't lock for a while, ${now - q.lastLockTimestamp}ms\n`;
      else if (q.droped && q.tryUnlockTimes > 0) text += `${clientId} ${name} unlock ${q.tryUnlockTimes} times, still failed\n`;
    } else if (now - q.lastConsumeTimestamp > 60_000 && q.cachedMsgCount > 0) {
      text += `${clientId} ${name} can't consume for a while, maybe blocked, ${now - q.lastConsumeTimestamp}ms\n`;
    }
  }
  return text;
}

/** Which client holds each queue of a group (consumerProgress -s): the IP part of the client id. */
async function queueOwners(admin: Admin, group: string): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  try {
    for (const c of (await admin.consumerConnection(group)).connectionSet) {
      const info = await admin.consumerRunningInfo(group, c.clientId);
      for (const { mq } of info.mqTable) owners.set(mqKey(mq), c.clientId.split('@')[0]!);
    }
  } catch {
    // As Apache: queues whose owner cannot be asked show N/A.
  }
  return owners;
}

const SUB_GROUP_OPTIONS = {
  brokerAddr: { type: 'string', short: 'b', desc: 'create subscription group to which broker' },
  clusterName: { type: 'string', short: 'c', desc: 'create subscription group to which cluster' },
  groupName: { type: 'string', short: 'g', desc: 'consumer group name', required: true },
  consumeEnable: { type: 'string', short: 's', desc: 'consume enable' },
  consumeFromMinEnable: { type: 'string', short: 'm', desc: 'from min offset' },
  consumeBroadcastEnable: { type: 'string', short: 'd', desc: 'broadcast' },
  retryQueueNums: { type: 'string', short: 'q', desc: 'retry queue nums' },
  retryMaxTimes: { type: 'string', short: 'r', desc: 'retry max times' },
  brokerId: { type: 'string', short: 'i', desc: 'consumer from which broker id' },
  whichBrokerWhenConsumeSlowly: { type: 'string', short: 'w', desc: 'which broker id when consume slowly' },
  notifyConsumerIdsChanged: { type: 'string', short: 'a', desc: 'notify consumerId changed' },
} as const;

export const GROUP_COMMANDS: Record<string, Command> = {
  updateSubGroup: {
    desc: 'Update or create subscription group',
    options: SUB_GROUP_OPTIONS,
    oneOf: ['brokerAddr', 'clusterName'],
    async run(admin, o) {
      const g = {
        groupName: need(o, 'groupName', 'g'),
        consumeEnable: boolOpt(o, 'consumeEnable', true),
        // The tool's own defaults differ from the broker's for these two (UpdateSubGroupSubCommand).
        consumeFromMinEnable: boolOpt(o, 'consumeFromMinEnable', false),
        consumeBroadcastEnable: boolOpt(o, 'consumeBroadcastEnable', false),
        retryQueueNums: intOpt(o, 'retryQueueNums', 'q', 1),
        retryMaxTimes: intOpt(o, 'retryMaxTimes', 'r', 16),
        brokerId: intOpt(o, 'brokerId', 'i', 0),
        whichBrokerWhenConsumeSlowly: intOpt(o, 'whichBrokerWhenConsumeSlowly', 'w', 1),
        notifyConsumerIdsChangedEnable: boolOpt(o, 'notifyConsumerIdsChanged', true),
      };
      const brokerAddr = opt(o, 'brokerAddr');
      if (brokerAddr) {
        await admin.createOrUpdateSubscriptionGroup(g, { brokerAddr });
        out(`create subscription group to ${brokerAddr} success.`);
      } else {
        let failed = 0;
        for (const addr of await admin.masterAddrs(need(o, 'clusterName', 'c'))) {
          try {
            await admin.createOrUpdateSubscriptionGroup(g, { brokerAddr: addr });
            out(`create subscription group to ${addr} success.`);
          } catch (err) {
            failed++;
            process.stderr.write(`mqadmin: create subscription group to ${addr} failed: ${(err as Error).message}\n`);
          }
        }
        if (failed > 0) process.exitCode = 1;
      }
      out(
        `SubscriptionGroupConfig [groupName=${g.groupName}, consumeEnable=${g.consumeEnable}, consumeFromMinEnable=${g.consumeFromMinEnable}, ` +
          `consumeBroadcastEnable=${g.consumeBroadcastEnable}, retryQueueNums=${g.retryQueueNums}, retryMaxTimes=${g.retryMaxTimes}, brokerId=${g.brokerId}, ` +
          `whichBrokerWhenConsumeSlowly=${g.whichBrokerWhenConsumeSlowly}, notifyConsumerIdsChangedEnable=${g.notifyConsumerIdsChangedEnable}]`,
      );
    },
  },
  deleteSubGroup: {
    desc: 'Delete subscription group from broker.',
    options: {
      brokerAddr: { type: 'string', short: 'b', desc: 'delete subscription group from which broker' },
      clusterName: { type: 'string', short: 'c', desc: 'delete subscription group from which cluster' },
      groupName: { type: 'string', short: 'g', desc: 'subscription group name', required: true },
    },
    oneOf: ['brokerAddr', 'clusterName'],
    async run(admin, o) {
      const group = need(o, 'groupName', 'g');
      const brokerAddr = opt(o, 'brokerAddr');
      if (brokerAddr) {
        await admin.deleteSubscriptionGroup(group, { brokerAddr });
        out(`delete subscription group [${group}] from broker [${brokerAddr}] success.`);
        return;
      }
      const cluster = need(o, 'clusterName', 'c');
      for (const master of await admin.masterAddrs(cluster)) {
        await admin.deleteSubscriptionGroup(group, { brokerAddr: master });
        out(`delete subscription group [${group}] from broker [${master}] in cluster [${cluster}] success.`);
      }
      // As Apache: the group's retry and dead-letter topics go too (masters and slaves, then the NameServers).
      const brokers = (await admin.clusterBrokers(cluster)).map((b) => b.addr);
      for (const topic of [retryTopic(group), dlqTopic(group)]) {
        try {
          await admin.deleteTopicInBrokers(brokers, topic);
          out(`delete topic [${topic}] from cluster [${cluster}] success.`);
          await admin.deleteTopicInNamesrvs(topic);
          out(`delete topic [${topic}] from NameServer success.`);
        } catch (err) {
          process.stderr.write(`mqadmin: delete topic [${topic}] failed: ${(err as Error).message}\n`);
          process.exitCode = 1;
        }
      }
    },
  },
  consumerProgress: {
    desc: "Query consumers's progress, speed",
    options: {
      groupName: { type: 'string', short: 'g', desc: 'consumer group name' },
      showClientIP: { type: 'string', short: 's', desc: 'Show Client IP per Queue' },
      topic: { type: 'string', short: 't', desc: 'topic name (only this topic of the group)' },
    },
    async run(admin, o) {
      const group = opt(o, 'groupName');
      if (group) {
        const stats = await admin.consumeStats(group, opt(o, 'topic'));
        const owners = boolOpt(o, 'showClientIP', false) ? await queueOwners(admin, group) : new Map<string, string>();
        out(`${pad('#Topic', 32)}  ${pad('#Broker Name', 32)}  ${pad('#QID', 4)}  ${pad('#Broker Offset', 20)}  ${pad('#Consumer Offset', 20)}  ${pad('#Client IP', 20)} ${pad('#Diff', 20)}  #LastTime`);
        let diffTotal = 0;
        for (const e of stats.offsetTable) {
          const diff = e.brokerOffset - e.consumerOffset;
          diffTotal += diff;
          const last = e.lastTimestamp === 0 ? 'N/A' : formatDateTime(e.lastTimestamp);
          out(`${col(e.mq.topic, 32)}  ${col(e.mq.brokerName, 32)}  ${pad(e.mq.queueId, 4)}  ${pad(e.brokerOffset, 20)}  ${pad(e.consumerOffset, 20)}  ${pad(owners.get(mqKey(e.mq)) ?? 'N/A', 20)} ${pad(diff, 20)}  ${last}`);
        }
        out('');
        out(`Consume TPS: ${formatJavaDouble(stats.consumeTps)}`);
        out(`Diff Total: ${diffTotal}`);
        return;
      }
      // Every group that has a retry topic, as Apache lists them.
      out(`${pad('#Group', 32)}  ${pad('#Count', 6)}  ${pad('#Version', 24)} ${pad('#Type', 5)}  ${pad('#Model', 14)}  ${pad('#TPS', 7)}  #Diff Total`);
      for (const topic of (await admin.topicList()).sort()) {
        if (!topic.startsWith(RETRY_PREFIX)) continue;
        const g = topic.slice(RETRY_PREFIX.length);
        const stats = await admin.consumeStats(g).catch(() => undefined);
        const cc = await admin.consumerConnection(g).catch(() => undefined);
        const count = cc?.connectionSet.length ?? 0;
        const minVersion = Math.min(...(cc?.connectionSet.map((c) => c.version) ?? [0]));
        const type = count > 0 ? (cc?.consumeType === 'CONSUME_ACTIVELY' ? 'PULL' : 'PUSH') : '';
        const model = count > 0 && cc?.consumeType === 'CONSUME_PASSIVELY' ? (cc.messageModel ?? '') : '';
        const diff = stats ? stats.offsetTable.reduce((sum, e) => sum + (e.brokerOffset - e.consumerOffset), 0) : 0;
        out(`${col(g, 32)}  ${pad(count, 6)}  ${pad(count > 0 ? versionName(minVersion) : 'OFFLINE', 24)} ${pad(type, 5)}  ${pad(model, 14)}  ${pad(Math.trunc(stats?.consumeTps ?? 0), 7)}  ${diff}`);
      }
    },
  },
  consumerStatus: {
    desc: "Query consumer's internal data structure",
    options: {
      consumerGroup: { type: 'string', short: 'g', desc: 'consumer group name', required: true },
      clientId: { type: 'string', short: 'i', desc: "The consumer's client id" },
      jstack: { type: 'boolean', short: 's', desc: 'Run jstack command in the consumer progress' },
    },
    async run(admin, o) {
      const group = need(o, 'consumerGroup', 'g');
      const jstack = o.jstack === true;
      const clientId = opt(o, 'clientId');
      if (clientId) {
        print(formatRunningInfo(await admin.consumerRunningInfo(group, clientId, jstack)));
        return;
      }
      const cc = await admin.consumerConnection(group);
      const now = Date.now();
      const infos = new Map<string, ConsumerRunningInfo>();
      let i = 1;
      for (const conn of [...cc.connectionSet].sort((a, b) => (a.clientId < b.clientId ? -1 : 1))) {
        try {
          const info = await admin.consumerRunningInfo(group, conn.clientId, jstack);
          infos.set(conn.clientId, info);
          // As Apache: each client's report is also saved under <now>/<clientId> in the working directory.
          const filePath = `${now}/${conn.clientId}`;
          mkdirSync(dirname(filePath), { recursive: true });
          writeFileSync(filePath, formatRunningInfo(info));
          out(`${String(i++).padStart(3, '0')}  ${pad(conn.clientId, 40)} ${pad(versionName(conn.version), 20)} ${filePath}`);
        } catch (err) {
          process.stderr.write(`mqadmin: running info of ${conn.clientId} failed: ${(err as Error).message}\n`);
          process.exitCode = 1;
        }
      }
      if (infos.size === 0) return;
      if (sameSubscription([...infos.values()])) {
        print('\n\nSame subscription in the same group of consumer');
        print('\n\nRebalance OK\n');
        for (const [id, info] of infos) print(processQueueWarnings(id, info));
      } else {
        out('\n\nWARN: Different subscription in the same group of consumer!!!');
      }
    },
  },
  cloneGroupOffset: {
    desc: 'clone offset from other group.',
    options: {
      srcGroup: { type: 'string', short: 's', desc: 'set source consumer group', required: true },
      destGroup: { type: 'string', short: 'd', desc: 'set destination consumer group', required: true },
      topic: { type: 'string', short: 't', desc: 'set the topic', required: true },
      offline: { type: 'string', short: 'o', desc: 'the group or the topic is offline' },
    },
    async run(admin, o) {
      const [src, dest, topic] = [need(o, 'srcGroup', 's'), need(o, 'destGroup', 'd'), need(o, 'topic', 't')];
      await admin.cloneGroupOffset(src, dest, topic, boolOpt(o, 'offline', false));
      out(`clone group offset success. srcGroup[${src}], destGroup=[${dest}], topic[${topic}]`);
    },
  },
  resetOffsetByTime: {
    desc: 'Reset consumer offset by timestamp(without client restart).',
    options: {
      group: { type: 'string', short: 'g', desc: 'set the consumer group', required: true },
      topic: { type: 'string', short: 't', desc: 'set the topic', required: true },
      timestamp: { type: 'string', short: 's', desc: 'set the timestamp[now|currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]', required: true },
      force: { type: 'string', short: 'f', desc: 'set the force rollback by timestamp switch[true|false]' },
      cplus: { type: 'boolean', short: 'c', desc: 'reset c++ client offset' },
    },
    async run(admin, o) {
      const [group, topic, text] = [need(o, 'group', 'g'), need(o, 'topic', 't'), need(o, 'timestamp', 's')];
      let ts: number;
      try {
        ts = parseTimestamp(text);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const force = boolOpt(o, 'force', true);
      const table = await admin.resetOffsetByTime(group, topic, ts, force);
      out(`rollback consumer offset by specified group[${group}], topic[${topic}], force[${force}], timestamp(string)[${text}], timestamp(long)[${ts}]`);
      out(`${pad('#brokerName', 40)}  ${pad('#queueId', 40)}  ${pad('#offset', 40)}`);
      for (const r of table) out(`${pad(r.mq.brokerName, 40)}  ${pad(r.mq.queueId, 40)}  ${pad(r.offset, 40)}`);
    },
  },
};
