// Progress bars for transfers on a terminal (cli-progress), drawn on stderr.

import { SingleBar } from 'cli-progress';
import type { Writable } from 'node:stream';

/** A bar that can be fed transfer progress and stopped. */
export interface ProgressBar {
  readonly update: (done: number, total: number | undefined) => void;
  stop(): void;
}

function mib(n: number): string {
  return `${(n / (1 << 20)).toFixed(1)} MiB`;
}

/** A bar labelled `label`; draws only once a transfer reports progress. */
export function createProgressBar(stream: Writable, label: string): ProgressBar {
  let bar: SingleBar | undefined;
  return {
    update: (done, total) => {
      if (!bar) {
        bar = new SingleBar(
          {
            stream: stream as unknown as NodeJS.WritableStream,
            format: `${label} [{bar}] {percentage}% {doneh}/{totalh} {speed}`,
            hideCursor: true,
            clearOnComplete: true,
            etaBuffer: 20,
          },
        );
        bar.start(total ?? done, done, { doneh: mib(done), totalh: mib(total ?? done), speed: '' });
      }
      bar.setTotal(total ?? done);
      bar.update(done, { doneh: mib(done), totalh: mib(total ?? done) });
    },
    stop: () => bar?.stop(),
  };
}
