/**
 * Typed client errors. Every failure the SDK reports is an {@link MQClientError}; the ones caused by
 * a broker or NameServer reply are {@link MQBrokerError}s carrying the RocketMQ response code.
 * Transport failures (timeouts, closed connections) keep their transport class and are wrapped only
 * when the SDK gives up on a whole operation (e.g. all send attempts failed).
 */
import { responseCodeName } from '../protocol/response-code.js';

export class MQClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MQClientError';
  }
}

/** A non-success reply. `code` is the RocketMQ response code (e.g. 17 TOPIC_NOT_EXIST). */
export class MQBrokerError extends MQClientError {
  constructor(
    readonly code: number,
    readonly remark: string | undefined,
    /** The address that answered (broker or NameServer). */
    readonly address?: string,
    /** The request code that was refused. */
    readonly requestCode?: number,
  ) {
    super(
      `${responseCodeName(code)} (code ${code})${requestCode !== undefined ? ` for request ${requestCode}` : ''}` +
        `${address ? ` from ${address}` : ''}${remark ? `: ${firstLine(remark)}` : ''}`,
    );
    this.name = 'MQBrokerError';
  }

  get codeName(): string {
    return responseCodeName(this.code);
  }
}

/** No usable route (the topic is unknown to every NameServer, or no queue is writable/readable). */
export class NoRouteError extends MQClientError {
  constructor(readonly topic: string, detail?: string, options?: { cause?: unknown }) {
    super(`no route info of topic ${topic}${detail ? `: ${detail}` : ''}; create the topic (mqadmin updateTopic) or check namesrvAddr`, options);
    this.name = 'NoRouteError';
  }
}

/** The client is not started, already shut down, or misconfigured. */
export class ClientStateError extends MQClientError {
  constructor(message: string) {
    super(message);
    this.name = 'ClientStateError';
  }
}

/** Invalid arguments (message too large, bad topic name, ...). Not retried. */
export class MessageError extends MQClientError {
  constructor(message: string) {
    super(message);
    this.name = 'MessageError';
  }
}

/** The whole operation ran out of time (sendMsgTimeout across retries). */
export class ClientTimeoutError extends MQClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClientTimeoutError';
  }
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}
