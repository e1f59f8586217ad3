// Desktop notifications: notify-send where it is on PATH and a desktop session exists; never throws, never blocks.

import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** One desktop notification. */
export interface DesktopNotice {
  readonly title: string;
  readonly body: string;
  /** 'warn' for something that needs the user; default 'info'. */
  readonly level?: 'info' | 'warn';
}

/** Shows a notice on the desktop when it can; a courtesy that never throws. */
export type DesktopNotify = (notice: DesktopNotice) => void;

/** Runs the notifier program, detached from our stdio; failures are ignored. */
export type LaunchProgram = (program: string, args: readonly string[]) => void;

const launchDetached: LaunchProgram = (program, args) => {
  try {
    const child = spawn(program, [...args], { stdio: 'ignore', detached: false });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // a notification is a courtesy: nothing to report
  }
};

/** Finds an executable on PATH (the first match), or undefined. */
export async function findOnPath(program: string, path: string | undefined): Promise<string | undefined> {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, program);
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

/** What decides whether a desktop notification can be shown. */
export interface DesktopNotifyOptions {
  /** The environment (PATH, and a desktop session: DBUS_SESSION_BUS_ADDRESS, DISPLAY or WAYLAND_DISPLAY). */
  readonly env: NodeJS.ProcessEnv;
  readonly launch?: LaunchProgram;
  /** Where to look for notify-send (default: PATH lookup). */
  readonly findProgram?: (name: string) => Promise<string | undefined>;
}

/**
 * A desktop notifier: when notify-send is on PATH and a desktop session is reachable, each notice
 * pops up. Without a session notify-send would only wait for D-Bus and fail, so it is not tried.
 * Callers log the notice themselves: this only adds the pop-up.
 */
export function createDesktopNotifier(options: DesktopNotifyOptions): DesktopNotify {
  const launch = options.launch ?? launchDetached;
  const find = options.findProgram ?? ((name: string) => findOnPath(name, options.env.PATH));
  const session = Boolean(options.env.DBUS_SESSION_BUS_ADDRESS || options.env.DISPLAY || options.env.WAYLAND_DISPLAY);
  /** notify-send's path, looked up once on first use (undefined: none, or no session). */
  let program: Promise<string | undefined> | undefined;
  return (notice) => {
    if (!session) return;
    program ??= find('notify-send').catch(() => undefined);
    void program.then((p) => {
      if (p) launch(p, ['--app-name=git-arbor', ...(notice.level === 'warn' ? ['--urgency=normal'] : ['--urgency=low']), notice.title, notice.body]);
    });
  };
}
