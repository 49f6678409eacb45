/** Record fields for codec tests, named so a reader sees which field a test changes. */
import type { MessageRecordFields } from '../../src/codec/message-record.js';

/** A record built by field name: the 125-byte TopicTest/Hello record of the worked example. */
export function exampleFields(over: Partial<MessageRecordFields> = {}): MessageRecordFields {
  return {
    queueId: 2,
    flag: 0,
    queueOffset: 0,
    physicalOffset: 0,
    sysFlag: 0,
    bornTimestamp: 0x1a213bd0ccb,
    bornHost: { ip: '127.0.0.1', port: 60368 },
    storeTimestamp: 0x1a213bd0ce6,
    storeHost: { ip: '127.0.0.2', port: 10911 },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    body: Buffer.from('Hello'),
    topic: 'TopicTest',
    properties: 'TAGS\u0001TagA\u0002WAIT\u0001true\u0002',
    ...over,
  };
}
