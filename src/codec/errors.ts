/** Errors raised while decoding bytes from a peer. They never escape to the event loop: the
 * transport turns them into a closed connection or an error response. */
export class CodecError extends Error {
  constructor(
    message: string,
    /** True when frame boundaries are lost and the connection cannot be read any further. */
    readonly fatal: boolean,
  ) {
    super(message);
    this.name = 'CodecError';
  }
}

export class FrameTooLargeError extends CodecError {
  constructor(readonly length: number, readonly limit: number) {
    super(`frame length ${length} exceeds the limit of ${limit} bytes`, true);
    this.name = 'FrameTooLargeError';
  }
}
