/**
 * What `subscribe()` accepts. The wire shape is the protocol's SubscriptionData (Java's FilterAPI);
 * the SDK is stricter about what a user types: a blank or padded `*` means everything, and an
 * expression that names no tag (`||`) is refused instead of silently matching nothing.
 */
import { buildSubscription, SUB_ALL, type ExpressionType, type SubscriptionData } from '../protocol/bodies/subscription.js';
import { MQClientError } from './errors.js';

export function subscriptionFor(topic: string, expression: string | undefined, type: ExpressionType = 'TAG', subVersion = Date.now()): SubscriptionData {
  if (type === 'SQL92') {
    if (!expression || expression.trim() === '') throw new MQClientError('an SQL92 subscription needs an expression');
    return buildSubscription(topic, expression, type, subVersion);
  }
  if (!expression || expression.trim() === '' || expression.trim() === SUB_ALL) return buildSubscription(topic, SUB_ALL, type, subVersion);
  const sub = buildSubscription(topic, expression, type, subVersion);
  if (sub.tagsSet.length === 0) throw new MQClientError(`subscription expression "${expression}" has no tag`);
  return sub;
}
