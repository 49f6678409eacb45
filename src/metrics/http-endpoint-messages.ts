/** What the metrics endpoint's worker thread and the node's thread say to each other. */

/** The content type of every answer but the metrics text. */
export const PLAIN_TEXT = 'text/plain; charset=utf-8';

export interface EndpointWorkerData {
  host: string;
  port: number;
  what: string;
  /** After this long without an answer from the node's thread a request is answered 503. */
  answerTimeoutMs: number;
}

export type Question = 'metrics' | 'readyz' | 'healthz';

export interface Answer {
  kind: 'answer';
  id: number;
  status: number;
  contentType: string;
  body: string;
}

/** Node thread → worker. */
export type ToEndpoint = Answer | { kind: 'close' };

/** Worker → node thread. */
export type FromEndpoint =
  | { kind: 'listening'; port: number }
  | { kind: 'bind-failed'; message: string; code?: string }
  | { kind: 'ask'; id: number; question: Question }
  | { kind: 'log'; message: string }
  | { kind: 'closed' };
