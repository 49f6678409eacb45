/** Transport-level failures, distinct from RocketMQ response codes carried in a reply. */
export class TransportError extends Error {
  constructor(message: string, readonly address?: string) {
    super(message);
    this.name = 'TransportError';
  }
}

export class RequestTimeoutError extends TransportError {
  constructor(readonly code: number, readonly timeoutMs: number, address?: string) {
    super(`request code ${code} to ${address ?? 'peer'} timed out after ${timeoutMs} ms`, address);
    this.name = 'RequestTimeoutError';
  }
}

export class ConnectionClosedError extends TransportError {
  constructor(address?: string, reason?: string) {
    super(`connection to ${address ?? 'peer'} closed${reason ? ': ' + reason : ''}`, address);
    this.name = 'ConnectionClosedError';
  }
}
