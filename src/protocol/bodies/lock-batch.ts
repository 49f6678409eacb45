/** LockBatchRequestBody / LockBatchResponseBody / UnlockBatchRequestBody: orderly consumers' queue locks. */
import { toFastJson } from '../../codec/fastjson.js';
import { parseJsonBody, str } from '../json.js';
import { decodeMqList, mqJson, type MessageQueue } from './message-queue.js';

export interface LockBatchRequest {
  consumerGroup: string;
  clientId: string;
  mqSet: MessageQueue[];
}

export function encodeLockBatch(consumerGroup: string, clientId: string, mqs: readonly MessageQueue[]): Buffer {
  return Buffer.from(toFastJson({ clientId, consumerGroup, mqSet: mqs.map(mqJson) }), 'utf8');
}

/** LOCK_BATCH_MQ and UNLOCK_BATCH_MQ carry the same body. */
export function decodeLockBatch(body: Buffer | undefined, what: string): LockBatchRequest {
  const o = parseJsonBody(body, what);
  return { consumerGroup: str(o.consumerGroup), clientId: str(o.clientId), mqSet: decodeMqList(o.mqSet) };
}

export function encodeLockBatchResponse(granted: readonly MessageQueue[]): Buffer {
  return Buffer.from(toFastJson({ lockOKMQSet: granted.map(mqJson) }), 'utf8');
}

export function decodeLockBatchResponse(body: Buffer | undefined): MessageQueue[] {
  if (!body || body.length === 0) return [];
  return decodeMqList(parseJsonBody(body, 'LockBatchResponseBody').lockOKMQSet);
}
