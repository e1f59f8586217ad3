// The request lines of arbor's inventory-reconciliation extension to the P2P protocol. git-annex never sends them.

import { WIRE_VERSION } from '../reconcile/wire.js';

/**
 * `ARBOR-RECONCILE v` negotiates (answered with the same line by `git arbor serve`, with `ERROR
 * unknown command` by git-annex-shell). Then each `ARBOR-RX` line is followed by one frame
 * (`DATA n` and n bytes) holding a reconciliation request (docs/design/reconcile.md); the server
 * answers with one frame, or with `ERROR reason` when it cannot.
 */
export const RECONCILE_HELLO = `ARBOR-RECONCILE ${WIRE_VERSION}`;
export const RECONCILE_REQUEST = 'ARBOR-RX';

/** Whether a line belongs to the reconciliation extension. */
export function isReconcileLine(line: string): boolean {
  return line === RECONCILE_REQUEST || line.startsWith('ARBOR-RECONCILE');
}
