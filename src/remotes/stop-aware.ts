// A throttle that remembers whether it refused: a delta whose transfer was stopped must not fall back to a whole transfer.

import type { Throttle } from './remote.js';

/** A throttle that remembers whether it refused (the transfer was stopped: no fallback then). */
export function stopAware(throttle: Throttle | undefined): { readonly throttle: { throttle?: Throttle }; readonly stopped: boolean } {
  const state = { stopped: false, throttle: {} as { throttle?: Throttle } };
  if (throttle) {
    state.throttle = {
      throttle: async (chunk) => {
        try {
          await throttle(chunk);
        } catch (err) {
          state.stopped = true;
          throw err;
        }
      },
    };
  }
  return state;
}
