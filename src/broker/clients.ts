/**
 * Who is connected: producer groups (for transaction check-backs) and consumer groups with their
 * subscriptions (for pulls, rebalancing and NOTIFY_CONSUMER_IDS_CHANGED). Fed by HEART_BEAT,
 * UNREGISTER_CLIENT, connection closes and an expiry scan.
 */
import type { Connection } from '../transport/connection.js';
import type { SubscriptionData } from '../protocol/bodies/subscription.js';

export interface ClientChannel {
  conn: Connection;
  clientId: string;
  language: string;
  version: number;
  lastUpdate: number;
}

export interface ConsumerGroup {
  groupName: string;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  channels: Map<Connection, ClientChannel>;
  subscriptions: Map<string, SubscriptionData>;
  lastUpdate: number;
}

function subscriptionsEqual(a: Map<string, SubscriptionData>, b: Map<string, SubscriptionData>): boolean {
  if (a.size !== b.size) return false;
  for (const [topic, s] of a) {
    const o = b.get(topic);
    if (!o || o.subString !== s.subString || o.expressionType !== s.expressionType) return false;
  }
  return true;
}

export class ClientRegistry {
  private readonly producers = new Map<string, Map<Connection, ClientChannel>>();
  private readonly consumers = new Map<string, ConsumerGroup>();

  constructor(private readonly now: () => number = Date.now) {}

  registerProducer(group: string, channel: Omit<ClientChannel, 'lastUpdate'>): void {
    let g = this.producers.get(group);
    if (!g) this.producers.set(group, (g = new Map()));
    g.set(channel.conn, { ...channel, lastUpdate: this.now() });
  }

  unregisterProducer(group: string, conn: Connection): void {
    const g = this.producers.get(group);
    g?.delete(conn);
    if (g && g.size === 0) this.producers.delete(group);
  }

  /** Every producer group with its channels (metrics count them). */
  producerGroups(): ReadonlyMap<string, ReadonlyMap<Connection, ClientChannel>> {
    return this.producers;
  }

  producerChannels(group: string): ClientChannel[] {
    return [...(this.producers.get(group)?.values() ?? [])];
  }

  /**
   * Records a consumer heartbeat. Returns true when the group's membership or subscriptions
   * changed, i.e. its members must be told to rebalance.
   */
  registerConsumer(
    info: { groupName: string; consumeType: string; messageModel: string; consumeFromWhere: string },
    channel: Omit<ClientChannel, 'lastUpdate'>,
    subscriptions: SubscriptionData[],
  ): boolean {
    const now = this.now();
    let g = this.consumers.get(info.groupName);
    if (!g) {
      g = { ...info, channels: new Map(), subscriptions: new Map(), lastUpdate: now };
      this.consumers.set(info.groupName, g);
    }
    g.consumeType = info.consumeType;
    g.messageModel = info.messageModel;
    g.consumeFromWhere = info.consumeFromWhere;
    g.lastUpdate = now;
    const known = g.channels.get(channel.conn);
    const membershipChanged = !known || known.clientId !== channel.clientId;
    g.channels.set(channel.conn, { ...channel, lastUpdate: now });
    const next = new Map(subscriptions.map((s) => [s.topic, s]));
    const subsChanged = !subscriptionsEqual(g.subscriptions, next);
    if (subsChanged) {
      // Keep the newest subVersion per topic so SUBSCRIPTION_NOT_LATEST works as in Java.
      g.subscriptions = next;
    } else {
      for (const [topic, s] of next) {
        const old = g.subscriptions.get(topic)!;
        if (s.subVersion > old.subVersion) g.subscriptions.set(topic, s);
      }
    }
    return membershipChanged || subsChanged;
  }

  /** Removes one client from a consumer group; true when it was a member. */
  unregisterConsumer(group: string, conn: Connection): boolean {
    const g = this.consumers.get(group);
    if (!g || !g.channels.delete(conn)) return false;
    if (g.channels.size === 0) this.consumers.delete(group);
    return true;
  }

  consumerGroup(group: string): ConsumerGroup | undefined {
    return this.consumers.get(group);
  }

  consumerGroups(): Map<string, ConsumerGroup> {
    return this.consumers;
  }

  /** Groups subscribed to a topic (QUERY_TOPIC_CONSUME_BY_WHO). */
  groupsSubscribing(topic: string): string[] {
    return [...this.consumers.values()].filter((g) => g.subscriptions.has(topic)).map((g) => g.groupName);
  }

  /** Drops a closed connection everywhere. Returns the consumer groups it left. */
  onConnectionClosed(conn: Connection): string[] {
    for (const group of [...this.producers.keys()]) this.unregisterProducer(group, conn);
    const left: string[] = [];
    for (const group of [...this.consumers.keys()]) if (this.unregisterConsumer(group, conn)) left.push(group);
    return left;
  }

  /** Drops clients silent for longer than `expiryMs`. Returns the consumer groups that lost members. */
  expire(expiryMs: number): string[] {
    const deadline = this.now() - expiryMs;
    const changed = new Set<string>();
    for (const [group, channels] of this.producers) {
      for (const [conn, c] of channels) if (c.lastUpdate < deadline) channels.delete(conn);
      if (channels.size === 0) this.producers.delete(group);
    }
    for (const [group, g] of this.consumers) {
      for (const [conn, c] of g.channels) {
        if (c.lastUpdate < deadline) {
          g.channels.delete(conn);
          changed.add(group);
        }
      }
      if (g.channels.size === 0) this.consumers.delete(group);
    }
    return [...changed];
  }
}
