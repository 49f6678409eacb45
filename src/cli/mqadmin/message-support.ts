/** What the message, stats and monitoring subcommands share: flag readers, a producer on the admin's client, Java's text of results. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import { join } from 'node:path';
import type { Admin, MessageTrack } from '../../client/admin.js';
import type { MessageExt, MessageQueue } from '../../client/message.js';
import { Producer, type SendResult } from '../../client/producer.js';
import { parseTimestamp } from '../time-arg.js';
import { out } from './command.js';
import { messageBlock } from './java-text.js';

/** A whole number flag (`-i 3`, `-o 0`), or one line naming the flag. */
export function intFlag(o: Record<string, unknown>, key: string, flag: string, fallback?: number, min = 0): number {
  const v = o[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || v === '') throw new Error(`missing option -${flag} (${key})`);
  const n = Number(v.trim());
  if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) throw new Error(`-${flag} (${key}) must be a whole number${min > 0 ? ` >= ${min}` : min === 0 ? ' >= 0' : ''}, got '${v}'`);
  return n;
}

/** Apache's `true`/`false` flags (`-d true`): Boolean.parseBoolean, so anything but `true` is false. */
export const boolFlag = (o: Record<string, unknown>, key: string, fallback: boolean): boolean => (typeof o[key] === 'string' ? (o[key] as string).trim().toLowerCase() === 'true' : fallback);

/** A `-b`/`-e`/`-s` time as Apache's timestampFormat reads it: epoch ms or `yyyy-MM-dd#HH:mm:ss:SSS`. */
export function timeFlag(o: Record<string, unknown>, key: string, flag: string): number | undefined {
  const v = o[key];
  if (typeof v !== 'string') return undefined;
  try {
    return parseTimestamp(v.trim());
  } catch (err) {
    throw new Error(`-${flag} (${key}): ${(err as Error).message.replace(/^-s: /, '')}`);
  }
}

/** A text decoder for Apache's `-c` charset names (UTF-8, GBK, ISO-8859-1, …). */
export function charsetDecoder(name: string | undefined): TextDecoder {
  try {
    return new TextDecoder(name?.trim() || 'UTF-8');
  } catch {
    throw new Error(`-c (charsetName): unknown charset '${name}'`);
  }
}

/** Runs `fn` with a producer sharing the admin's connections, always shut down. */
export async function withProducer<T>(admin: Admin, producerGroup: string, fn: (p: Producer) => Promise<T>): Promise<T> {
  const producer = new Producer({ namesrvAddr: admin.client.namesrvAddrs, client: admin.client, producerGroup });
  await producer.start();
  try {
    return await fn(producer);
  } finally {
    await producer.shutdown();
  }
}

/** Java's `MessageQueue.toString()`. */
export const mqString = (mq: MessageQueue): string => `MessageQueue [topic=${mq.topic}, brokerName=${mq.brokerName}, queueId=${mq.queueId}]`;

/** Java's `SendResult.toString()`. */
export const sendResultString = (r: SendResult): string =>
  `SendResult [sendStatus=${r.sendStatus}, msgId=${r.msgId}, offsetMsgId=${r.offsetMsgId}, messageQueue=${mqString(r.messageQueue)}, queueOffset=${r.queueOffset}]`;

/** Java's `MessageTrack.toString()`. */
export const trackString = (t: MessageTrack): string => `MessageTrack [consumerGroup=${t.consumerGroup}, trackType=${t.trackType}, exceptionDesc=${t.exceptionDesc ?? 'null'}]`;

/** Where Apache's queryMsgBy* write a message's body (`/tmp/rocketmq/msgbodys`); `APOGEE_MSG_BODY_DIR` moves it. */
export function writeBodyFile(m: MessageExt, index = 0): string {
  const dir = process.env.APOGEE_MSG_BODY_DIR || '/tmp/rocketmq/msgbodys';
  mkdirSync(dir, { recursive: true });
  const path = join(dir, index > 0 ? `${m.msgId}_${index}` : m.msgId);
  writeFileSync(path, m.body);
  return path;
}

/**
 * QueryMsgByIdSubCommand.printMsg: the message block, then the consume track of every group of
 * its topic (one `MessageTrack [...]` line each, or `WARN: No Consumer`) after a blank line.
 */
export async function printMessageWithTrack(admin: Admin, m: MessageExt, options: { withOffsetId?: boolean; index?: number } = {}): Promise<void> {
  for (const line of messageBlock(m, writeBodyFile(m, options.index), options.withOffsetId ?? true)) out(line);
  let tracks: MessageTrack[];
  try {
    tracks = await admin.messageTrackDetail(m);
  } catch (err) {
    out('');
    out(`WARN: consume track unavailable: ${(err as Error).message.split('\n')[0]}`);
    return;
  }
  out('');
  out('');
  if (tracks.length === 0) out('WARN: No Consumer');
  for (const t of tracks) out(trackString(t));
}
