/** Typed store errors. Put refusals carry the Java `PutMessageStatus` name the broker maps to a response code. */

/** Outcomes of a put, as in Java's `PutMessageStatus`. PUT_OK and FLUSH_DISK_TIMEOUT mean "stored". */
export type PutMessageStatus =
  | 'PUT_OK'
  | 'FLUSH_DISK_TIMEOUT'
  | 'FLUSH_SLAVE_TIMEOUT'
  | 'SLAVE_NOT_AVAILABLE'
  | 'SERVICE_NOT_AVAILABLE'
  | 'CREATE_MAPEDFILE_FAILED'
  | 'MESSAGE_ILLEGAL'
  | 'PROPERTIES_SIZE_EXCEEDED'
  | 'OS_PAGECACHE_BUSY'
  | 'UNKNOWN_ERROR';

export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

/** A put that was refused; nothing of it was stored. */
export class PutRefusedError extends StoreError {
  constructor(
    readonly status: Exclude<PutMessageStatus, 'PUT_OK' | 'FLUSH_DISK_TIMEOUT'>,
    message: string,
  ) {
    super(message);
    this.name = 'PutRefusedError';
  }
}

/** The store directory is in use by another process, or was left locked by one. */
export class StoreLockedError extends StoreError {
  constructor(
    readonly lockPath: string,
    readonly ownerPid: number | undefined,
  ) {
    super(
      `store is locked by ${ownerPid === undefined ? 'another process' : `pid ${ownerPid}`} (${lockPath}); ` +
        'stop that broker first, or remove the lock file if that process is gone',
    );
    this.name = 'StoreLockedError';
  }
}

/** The on-disk layout cannot be loaded safely (e.g. a segment of the wrong size). */
export class StoreLayoutError extends StoreError {
  constructor(message: string) {
    super(message);
    this.name = 'StoreLayoutError';
  }
}
