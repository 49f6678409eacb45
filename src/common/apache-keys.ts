/**
 * Apache RocketMQ 4.x settings that Apogee knows and deliberately ignores (thread pools, Netty
 * tuning, features it does not have). An operator's existing file may carry them, so they only
 * earn a warning; any other key Apogee does not know is an error, in a file and on the command
 * line alike (a typo must not be mistaken for a setting). The README's configuration section
 * lists this same table.
 */
export type Component = 'broker' | 'namesrv';

export interface IgnoredKeyGroup {
  /** The Java class the keys belong to. */
  source: string;
  components: readonly Component[];
  keys: readonly string[];
}

export const IGNORED_APACHE_KEYS: readonly IgnoredKeyGroup[] = [
  {
    source: 'BrokerConfig',
    components: ['broker'],
    keys: [
      'messageStorePlugIn', 'sendMessageThreadPoolNums', 'pullMessageThreadPoolNums', 'queryMessageThreadPoolNums',
      'adminBrokerThreadPoolNums', 'clientManageThreadPoolNums', 'consumerManageThreadPoolNums', 'heartbeatThreadPoolNums',
      'endTransactionThreadPoolNums', 'flushConsumerOffsetHistoryInterval', 'fetchNamesrvAddrByAddressServer',
      'rmqAddressServerDomain', 'rmqAddressServerSubGroup', 'sendThreadPoolQueueCapacity', 'pullThreadPoolQueueCapacity',
      'queryThreadPoolQueueCapacity', 'clientManagerThreadPoolQueueCapacity', 'consumerManagerThreadPoolQueueCapacity',
      'heartbeatThreadPoolQueueCapacity', 'endTransactionPoolQueueCapacity', 'filterServerNums', 'highSpeedMode',
      'commercialEnable', 'commercialTimerCount', 'commercialTransCount', 'commercialBigCount', 'commercialBaseCount',
      'transferMsgByHeap', 'maxDelayTime', 'disableConsumeIfConsumerReadSlowly', 'consumerFallbehindThreshold',
      'brokerFastFailureEnable', 'waitTimeMillsInSendQueue', 'waitTimeMillsInPullQueue', 'waitTimeMillsInHeartbeatQueue',
      'waitTimeMillsInTransactionQueue', 'startAcceptSendRequestTimeStamp', 'enableCalcFilterBitMap',
      'expectConsumerNumUseFilter', 'maxErrorRateOfBloomFilter', 'filterDataCleanTimeSpan', 'filterSupportRetry',
      'compressedRegister', 'forceRegister', 'aclEnable', 'storeReplyMessageEnable', 'traceTopicEnable', 'msgTraceTopicName',
      'autoDeleteUnusedStats', 'isEnableBatchPush',
    ],
  },
  {
    source: 'MessageStoreConfig',
    components: ['broker'],
    keys: [
      'enableConsumeQueueExt', 'mappedFileSizeConsumeQueueExt',
      'bitMapLengthConsumeQueueExt', 'commitIntervalCommitLog', 'useReentrantLockWhenPutMessage', 'flushCommitLogTimed',
      'deleteCommitLogFilesInterval', 'deleteConsumeQueueFilesInterval', 'destroyMapedFileIntervalForcibly',
      'redeleteHangedFileInterval', 'putMsgIndexHightWater', 'commitCommitLogLeastPages', 'flushLeastPagesWhenWarmMapedFile',
      'commitCommitLogThoroughInterval', 'flushDelayOffsetInterval', 'warmMapedFileEnable', 'offsetCheckInSlave',
      'debugLockEnable', 'duplicationEnable', 'diskFallRecorded', 'osPageCacheBusyTimeOutMills', 'defaultQueryMaxNum',
      'transientStorePoolEnable', 'transientStorePoolSize', 'fastFailIfNoBufferInStorePool', 'enableDLegerCommitLog',
      'dLegerGroup', 'dLegerPeers', 'dLegerSelfId', 'storePathDLedgerCommitLog', 'readOnlyCommitLogStorePaths', 'enableLmq',
      'enableMultiDispatch', 'enableScheduleAsyncDeliver', 'slaveTimeout',
    ],
  },
  {
    source: 'NettyServerConfig',
    components: ['broker', 'namesrv'],
    keys: [
      'serverWorkerThreads', 'serverCallbackExecutorThreads', 'serverSelectorThreads', 'serverOnewaySemaphoreValue',
      'serverAsyncSemaphoreValue', 'serverSocketSndBufSize', 'serverSocketRcvBufSize', 'serverPooledByteBufAllocatorEnable',
      'useEpollNativeSelector', 'useTLS',
    ],
  },
  {
    source: 'NettyClientConfig',
    components: ['broker'],
    keys: [
      'clientWorkerThreads', 'clientCallbackExecutorThreads', 'clientOnewaySemaphoreValue', 'clientAsyncSemaphoreValue',
      'connectTimeoutMillis', 'channelNotActiveInterval', 'clientChannelMaxIdleTimeSeconds', 'clientSocketSndBufSize',
      'clientSocketRcvBufSize', 'clientPooledByteBufAllocatorEnable', 'clientCloseSocketIfTimeout',
    ],
  },
];

export function ignoredApacheKeys(component: Component): ReadonlySet<string> {
  return new Set(IGNORED_APACHE_KEYS.filter((g) => g.components.includes(component)).flatMap((g) => g.keys));
}

/**
 * Keys Java 4.6 renamed (MessageStoreConfig's "maped" became "mapped"): both spellings are read, so a
 * 4.6+ broker's property file keeps its segment sizes instead of silently getting the defaults (a
 * store written with other sizes would be misread).
 */
export const RENAMED_KEYS: Readonly<Record<string, string>> = {
  mappedFileSizeCommitLog: 'mapedFileSizeCommitLog',
  mappedFileSizeConsumeQueue: 'mapedFileSizeConsumeQueue',
};
