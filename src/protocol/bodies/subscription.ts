/**
 * SubscriptionData: what a consumer subscribes to on one topic. Built by
 * consumers, sent in heartbeats and pulls, held by brokers for filtering, shown by admin tools.
 */
import { javaHashCode } from '../../codec/hashes.js';
import { BodyError, bool, list, num, obj, str } from '../json.js';

export type ExpressionType = 'TAG' | 'SQL92';

export const SUB_ALL = '*';

export interface SubscriptionData {
  topic: string;
  /** The expression as the consumer wrote it (`*` for everything). */
  subString: string;
  /** TAG subscriptions: the tags, trimmed, each once. */
  tagsSet: string[];
  /** Java `String.hashCode` of each tag: what the broker matches consume-queue tag codes with. */
  codeSet: number[];
  subVersion: number;
  /** `TAG`, `SQL92`, or whatever a peer sent (brokers refuse unknown types when they pull). */
  expressionType: ExpressionType | (string & {});
  classFilterMode: boolean;
}

/**
 * Java's FilterAPI.build: a TAG expression that is empty or `*` subscribes to everything, any other
 * is split on `||` into trimmed, de-duplicated tags (the expression itself kept as written); any
 * other type keeps its expression, which must not be empty.
 */
export function buildSubscription(
  topic: string,
  subString: string | undefined,
  expressionType: string = 'TAG',
  subVersion: number = Date.now(),
): SubscriptionData {
  const sub: SubscriptionData = { topic, subString: SUB_ALL, tagsSet: [], codeSet: [], subVersion, expressionType, classFilterMode: false };
  if (expressionType !== 'TAG') {
    if (!subString) throw new BodyError(`an ${expressionType} subscription needs an expression`);
    sub.subString = subString;
    return sub;
  }
  if (subString === undefined || subString === '' || subString === SUB_ALL) return sub;
  sub.subString = subString;
  addTags(sub, subString);
  return sub;
}

function addTags(sub: SubscriptionData, subString: string): void {
  for (const t of subString.split('||')) {
    const tag = t.trim();
    if (tag === '' || sub.tagsSet.includes(tag)) continue;
    sub.tagsSet.push(tag);
    sub.codeSet.push(javaHashCode(tag));
  }
}

/** True when `tags` passes a TAG subscription (clients re-check tags after the broker's hash filter). */
export function tagMatches(sub: SubscriptionData, tags: string | undefined): boolean {
  if (sub.expressionType !== 'TAG' || sub.tagsSet.length === 0) return true;
  return tags !== undefined && sub.tagsSet.includes(tags);
}

/**
 * A SubscriptionData as a peer sent it (Java brokers keep it verbatim). Tags and codes are taken
 * as sent when there are any — Java clients filter by the codes they computed — and derived from
 * the expression when a TAG subscription arrives without them.
 */
export function decodeSubscription(v: unknown): SubscriptionData {
  const s = obj(v);
  const expressionType = str(s.expressionType, 'TAG') || 'TAG';
  const sub: SubscriptionData = {
    topic: str(s.topic),
    subString: str(s.subString, SUB_ALL),
    tagsSet: list(s.tagsSet).map((t) => str(t)),
    codeSet: list(s.codeSet).map((c) => num(c)),
    subVersion: num(s.subVersion),
    expressionType,
    classFilterMode: bool(s.classFilterMode),
  };
  if (expressionType !== 'TAG') return sub;
  if (sub.tagsSet.length === 0) {
    sub.codeSet = [];
    if (sub.subString.trim() !== '' && sub.subString.trim() !== SUB_ALL) addTags(sub, sub.subString);
  } else if (sub.codeSet.length === 0) {
    sub.codeSet = sub.tagsSet.map(javaHashCode);
  }
  return sub;
}
