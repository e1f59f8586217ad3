// Telling the user about drive syncs: always a log line, and a desktop notification where notify-send and a session exist.

import type { Log } from '../util/log.js';
import { createDesktopNotifier, type DesktopNotice, type LaunchProgram } from '../util/desktop-notify.js';

export { findOnPath, type LaunchProgram } from '../util/desktop-notify.js';

/** One message to show. */
export type DriveNotice = DesktopNotice;

/** Shows notices; never throws and never blocks the caller on the notifier. */
export type Notify = (notice: DriveNotice) => void;

/** What decides whether a desktop notification can be shown. */
export interface NotifyOptions {
  readonly log: Log;
  /** The environment (PATH, and a desktop session: DBUS_SESSION_BUS_ADDRESS, DISPLAY or WAYLAND_DISPLAY). */
  readonly env: NodeJS.ProcessEnv;
  readonly launch?: LaunchProgram;
  /** Where to look for notify-send (default: PATH lookup). */
  readonly findProgram?: (name: string) => Promise<string | undefined>;
}

/**
 * A notifier: every notice becomes a log line (worker "drive-watcher"); when notify-send is on
 * PATH and a desktop session is reachable, it also pops up (util/desktop-notify.ts).
 */
export function createNotifier(options: NotifyOptions): Notify {
  const desktop = createDesktopNotifier({
    env: options.env,
    ...(options.launch ? { launch: options.launch } : {}),
    ...(options.findProgram ? { findProgram: options.findProgram } : {}),
  });
  return (notice) => {
    const line = `${notice.title}: ${notice.body}`;
    if (notice.level === 'warn') options.log.warn({ worker: 'drive-watcher' }, line);
    else options.log.info({ worker: 'drive-watcher' }, line);
    desktop(notice);
  };
}
