/**
 * Hands appended records to their consume queue and the index (Java's doDispatch with
 * CommitLogDispatcherBuildConsumeQueue and CommitLogDispatcherBuildIndex), and advances how far
 * the CommitLog has been dispatched. Used by append (each tick), reput (slave) and recovery.
 */
import type { ConsumeQueue } from './consume-queue.js';
import { goesToConsumeQueue, type DispatchLog, type TopicInfo } from './dispatch-request.js';
import type { StoreState } from './store-state.js';

export class CommitLogDispatcher {
  constructor(private readonly state: StoreState) {}

  /** Hands entries [from, to) of a dispatch log to their consume queues and the index. */
  dispatch(log: DispatchLog, from: number, to: number): void {
    const s = this.state;
    const arrived = s.options.onMessageArrived;
    const indexed = s.config.messageIndexEnable;
    const queues = s.consumeQueues;
    // Consecutive records of one queue (a batch) look their consume queue up once.
    let cq: ConsumeQueue | undefined;
    let cqTopic: TopicInfo | undefined;
    let cqQueueId = -1;
    for (let i = from; i < to; i++) {
      const sysFlag = log.sysFlags[i]!;
      const physicalOffset = log.physicalOffsets[i]!;
      const size = log.sizes[i]!;
      if (goesToConsumeQueue(sysFlag)) {
        const topic = log.topics[i]!;
        const queueId = log.queueIds[i]!;
        if (!cq || topic !== cqTopic || queueId !== cqQueueId) {
          cq = queues.get(topic.name, queueId, true)!;
          cqTopic = topic;
          cqQueueId = queueId;
        }
        const queueOffset = log.queueOffsets[i]!;
        const tagsCode = log.tagsCodes[i]!;
        cq.put(physicalOffset, size, tagsCode, queueOffset);
        if (arrived) arrived(topic.name, queueId, queueOffset + 1, tagsCode);
      }
      if (indexed) s.index.add(physicalOffset, log.storeTimestamps[i]!, sysFlag, log.keyHashes, log.keyStart(i), log.keyEnds[i]!);
      s.lastDispatchTimestamp = log.storeTimestamps[i]!;
      const end = physicalOffset + size;
      if (end > s.reputFromOffset) s.reputFromOffset = end;
    }
  }
}
