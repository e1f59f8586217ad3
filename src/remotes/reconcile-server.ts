// `git arbor serve`'s side of inventory reconciliation: a summary of the served store, answering ARBOR-RX requests.

import type { ObjectStore } from '../annex/object-store.js';
import { answerReconcile } from '../reconcile/session.js';
import { KeySummary } from '../reconcile/summary.js';
import { describeError } from '../util/errors.js';
import type { FrameLink } from './delta-exchange.js';
import { RECONCILE_HELLO, RECONCILE_REQUEST } from './reconcile-messages.js';

/**
 * One conversation's reconciliation state. The summary of the store is built at the first request
 * (one walk of annex/objects) and from then on kept current by `added` and `removed` as this
 * conversation stores and removes content, so later requests cost O(symbols asked).
 */
export class ReconcileServer {
  readonly #store: ObjectStore;
  #agreed = false;
  #summary: KeySummary | undefined;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  /** An object arrived in the store during this conversation. */
  added(key: string): void {
    this.#summary?.add(key);
  }

  /** An object left the store during this conversation. */
  removed(key: string): void {
    this.#summary?.remove(key);
  }

  /**
   * Answers one extension line: the negotiation, or a request frame read from `link`. Before the
   * negotiation, and for a version it does not speak, the answer is git-annex-shell's own
   * `ERROR unknown command`. A request that does not decode gets `ERROR reconcile: …` and the
   * conversation goes on.
   */
  async handle(line: string, link: FrameLink, say: (line: string) => Promise<void>): Promise<void> {
    if (line === RECONCILE_HELLO) {
      this.#agreed = true;
      await say(RECONCILE_HELLO);
      return;
    }
    if (line !== RECONCILE_REQUEST || !this.#agreed) {
      await say('ERROR unknown command');
      return;
    }
    const request = await link.read();
    let answer: Uint8Array;
    try {
      this.#summary ??= await summaryOf(this.#store);
      answer = answerReconcile(this.#summary, request);
    } catch (err) {
      await say(`ERROR reconcile: ${describeError(err)}`);
      return;
    }
    await link.send(Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength));
  }
}

async function summaryOf(store: ObjectStore): Promise<KeySummary> {
  const s = new KeySummary();
  for await (const key of store.keys()) s.add(key);
  return s;
}
