// A worker: one named loop of the assistant ("wait for input → act → signal output").

import type { AssistantContext } from './context.js';

/** A long-running part of the daemon; returns when `signal` aborts. */
export interface Worker {
  readonly name: string;
  run(ctx: AssistantContext, signal: AbortSignal): Promise<void>;
}

/** A failure that must stop the daemon rather than restart the worker. */
export class FatalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FatalError';
  }
}
