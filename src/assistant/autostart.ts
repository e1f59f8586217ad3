// Autostart at login: a systemd user unit per repository (printed where systemd is absent).

import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

/** The unit's name for a repository path (stable, readable, unique). */
export function unitName(workTree: string): string {
  const base = workTree.split('/').filter(Boolean).pop()?.replace(/[^A-Za-z0-9_-]/g, '_') ?? 'repo';
  return `arbor-${base}-${createHash('sha256').update(workTree).digest('hex').slice(0, 8)}.service`;
}

/** The unit file text: runs the assistant in the foreground under systemd, restarting it on failure. */
export function unitText(options: { workTree: string; command: readonly string[] }): string {
  const exec = options.command.map((w) => (/[\s"\\]/.test(w) ? `"${w.replace(/(["\\])/g, '\\$1')}"` : w)).join(' ');
  return [
    '[Unit]',
    `Description=arbor assistant for ${options.workTree}`,
    'After=default.target',
    '',
    '[Service]',
    `WorkingDirectory=${options.workTree}`,
    `ExecStart=${exec}`,
    'Restart=on-failure',
    'RestartSec=10',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

/** What installAutostart did. */
export interface AutostartResult {
  readonly unit: string;
  readonly file: string | undefined;
  readonly enabled: boolean;
  readonly text: string;
  readonly note: string;
}

/**
 * Writes ~/.config/systemd/user/<unit> and enables it with `systemctl --user enable --now` when a
 * user systemd instance answers; otherwise returns the unit text and where to put it.
 */
export async function installAutostart(options: { workTree: string; command: readonly string[]; print?: boolean; home?: string }): Promise<AutostartResult> {
  const unit = unitName(options.workTree);
  const text = unitText(options);
  const probe = spawnSync('systemctl', ['--user', 'is-system-running'], { encoding: 'utf8' });
  const hasSystemd = !probe.error && (probe.stdout.trim() !== '' || probe.status === 0);
  const dir = join(options.home ?? homedir(), '.config', 'systemd', 'user');
  if (options.print || !hasSystemd) {
    return { unit, file: undefined, enabled: false, text, note: `systemd user instance not available; save this as ${join(dir, unit)} and run: systemctl --user enable --now ${unit}` };
  }
  await mkdir(dir, { recursive: true });
  const file = join(dir, unit);
  await writeFile(file, text);
  spawnSync('systemctl', ['--user', 'daemon-reload']);
  const enable = spawnSync('systemctl', ['--user', 'enable', '--now', unit], { encoding: 'utf8' });
  return { unit, file, enabled: enable.status === 0, text, note: enable.status === 0 ? `enabled ${unit}` : `wrote ${file}; enabling failed: ${enable.stderr.trim()}` };
}
