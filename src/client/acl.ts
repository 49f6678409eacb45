/**
 * ACL request signing (Apache RocketMQ 4.4+ `AclClientRPCHook`): add
 * `AccessKey` (and `SecurityToken`), sort the ext fields by key, concatenate their values, append
 * the body, HMAC-SHA1 with the secret key, Base64 → `Signature`.
 */
import { createHmac } from 'node:crypto';
import type { RemotingCommand } from '../codec/command.js';

export interface AclCredentials {
  accessKey: string;
  secretKey: string;
  securityToken?: string;
}

/** Ext fields the 4.9.x broker leaves out of its recomputation. */
const UNSIGNED = new Set(['Signature', '_UNIQUE_KEY_QUERY']);

/** The signature of a set of ext fields and a body (values in UTF-16 key order, then the body). */
export function aclSignature(extFields: Readonly<Record<string, string>>, body: Buffer | undefined, secretKey: string): string {
  const keys = Object.keys(extFields).filter((k) => !UNSIGNED.has(k)).sort();
  const hmac = createHmac('sha1', Buffer.from(secretKey, 'utf8'));
  hmac.update(Buffer.from(keys.map((k) => extFields[k]).join(''), 'utf8'));
  if (body && body.length > 0) hmac.update(body);
  return hmac.digest('base64');
}

/** Adds AccessKey / SecurityToken / Signature to a request in place and returns it. */
export function signRequest<T extends RemotingCommand>(request: T, credentials: AclCredentials): T {
  const ext: Record<string, string> = { ...(request.extFields ?? {}), AccessKey: credentials.accessKey };
  if (credentials.securityToken) ext.SecurityToken = credentials.securityToken;
  delete ext.Signature;
  ext.Signature = aclSignature(ext, request.body, credentials.secretKey);
  request.extFields = ext;
  return request;
}
