// The typed failures of set reconciliation: malformed messages, an inconsistent peer, a summary's limit, no decode.

import { ArborError } from '../util/errors.js';

/** A reconciliation message that does not parse (wrong version, truncated, impossible field). */
export class ReconcileWireError extends ArborError {
  constructor(what: string, offset: number) {
    super('ERECONCILE_WIRE', `reconciliation message malformed: ${what} at byte ${offset}`, { data: { offset } });
    this.name = 'ReconcileWireError';
  }
}

/**
 * The peer's coded symbols decoded into something that cannot be true (a key "only here" that is
 * not here, sizes that do not add up, a key that does not hash to the id it was sent for). Nothing
 * may be recorded from such a result; the caller falls back to a plain listing.
 */
export class ReconcileGarbageError extends ArborError {
  constructor(what: string) {
    super('ERECONCILE_GARBAGE', `the peer's reconciliation summary is inconsistent: ${what}`);
    this.name = 'ReconcileGarbageError';
  }
}

/** Symbols were asked for beyond what a summary keeps: the difference is too large, list instead. */
export class ReconcileLimitError extends ArborError {
  readonly capacity: number;

  constructor(capacity: number, wanted: number) {
    super('ERECONCILE_LIMIT', `the difference needs more than the ${capacity} coded symbols a summary keeps (asked up to ${wanted}); fall back to a plain listing`, { data: { capacity, wanted } });
    this.name = 'ReconcileLimitError';
    this.capacity = capacity;
  }
}

/** The difference did not decode within the allowed number of symbols. */
export class ReconcileUndecodableError extends ArborError {
  readonly symbols: number;

  constructor(symbols: number, reason: string) {
    super('ERECONCILE_UNDECODABLE', `could not decode the difference after ${symbols} coded symbols: ${reason}`, { data: { symbols } });
    this.name = 'ReconcileUndecodableError';
    this.symbols = symbols;
  }
}

/** A key set changed while it was being reconciled (an object arrived or left between batches). */
export class ReconcileChangedError extends ArborError {
  constructor(side: 'here' | 'on the peer', attempts: number) {
    super('ERECONCILE_CHANGED', `the key set ${side} kept changing during reconciliation (${attempts} attempts); try again when it is quiet`, { data: { attempts } });
    this.name = 'ReconcileChangedError';
  }
}
