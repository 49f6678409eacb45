/** PermName bits of topics and queue data. */
export const PERM_PRIORITY = 8;
export const PERM_READ = 4;
export const PERM_WRITE = 2;
export const PERM_INHERIT = 1;

export const isReadable = (perm: number): boolean => (perm & PERM_READ) !== 0;
export const isWriteable = (perm: number): boolean => (perm & PERM_WRITE) !== 0;
export const isInherited = (perm: number): boolean => (perm & PERM_INHERIT) !== 0;

export function permToString(perm: number): string {
  return (isReadable(perm) ? 'R' : '-') + (isWriteable(perm) ? 'W' : '-') + (isInherited(perm) ? 'X' : '-');
}

/** TopicSysFlag unit bits: a topic's `topicSysFlag`, carried in TopicConfig and in route QueueData. */
export const TOPIC_FLAG_UNIT = 1;
export const TOPIC_FLAG_UNIT_SUB = 2;
