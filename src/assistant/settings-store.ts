// The daemon's current settings: read at start, re-read when git config changes, and kept when a change is invalid.

import { describeError } from '../util/errors.js';
import type { Signal } from '../util/channel.js';
import type { Log } from '../util/log.js';
import { describeConfigChange, type AssistantSettings, type ConfigEntries } from './settings.js';
import type { Problems } from './problems.js';

/** The problem id of a bad setting (problems.ts). */
export const SETTINGS_PROBLEM = 'settings';

/** What a SettingsStore needs. */
export interface SettingsStoreOptions {
  /** The settings and entries read at start (already valid). */
  readonly initial: { readonly settings: AssistantSettings; readonly entries: ConfigEntries };
  /** Reads the entries again (settings.ts readSettingsEntries). */
  readonly read: () => Promise<ConfigEntries>;
  /** Validates entries into settings; throws a one-line error for a bad value (settings.ts settingsFromConfig). */
  readonly parse: (entries: ConfigEntries) => AssistantSettings;
  readonly log: Log;
  readonly problems: Problems;
  /** Notified after a valid change has been applied (the context's settingsChanged). */
  readonly changed: Signal;
  /** Keys that the running daemon does not follow: a change is logged as applying at the next start. */
  readonly appliesAtRestart?: readonly string[];
}

/**
 * Holds the current settings. `reload()` re-reads git config: a valid change replaces the
 * settings, logs one line naming the changed keys and notifies `changed`; an invalid one keeps
 * the previous settings and raises the 'settings' problem (one log line, shown in status) until
 * a later reload finds the config valid again. Reloads never overlap: calls during one coalesce
 * into one more read after it.
 */
export class SettingsStore {
  readonly #o: SettingsStoreOptions;
  #settings: AssistantSettings;
  /** The entries `#settings` was made of (compared to tell a real change from a spurious event). */
  #entries: ConfigEntries;
  /** The reload in progress, if any; `#again` asks for one more after it. */
  #running: Promise<void> | undefined;
  #again = false;

  constructor(options: SettingsStoreOptions) {
    this.#o = options;
    this.#settings = options.initial.settings;
    this.#entries = options.initial.entries;
  }

  /** The settings in force now. */
  get current(): AssistantSettings {
    return this.#settings;
  }

  /** Re-reads git config (see the class comment); resolves when the config read after this call was applied. Never rejects. */
  reload(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#reloadOnce();
        } while (this.#again);
      } catch (err) {
        this.#o.log.warn({ worker: 'settings' }, `could not re-read git config: ${describeError(err)}`);
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  async #reloadOnce(): Promise<void> {
    let entries: ConfigEntries;
    let settings: AssistantSettings;
    try {
      entries = await this.#o.read();
      settings = this.#o.parse(entries);
    } catch (err) {
      this.#o.problems.raise(SETTINGS_PROBLEM, `${describeError(err)} (the assistant keeps its previous settings until this is fixed)`);
      return;
    }
    this.#o.problems.clear(SETTINGS_PROBLEM);
    const changes = describeConfigChange(this.#entries, entries);
    if (changes.length === 0) return;
    this.#entries = entries;
    this.#settings = settings;
    const later = new Set(this.#o.appliesAtRestart ?? []);
    const text = changes.map((c) => (later.has(c.split(/[= ]/, 1)[0] ?? '') ? `${c} (applies at the next start)` : c));
    this.#o.log.info({ worker: 'settings' }, `settings changed: ${text.join(', ')}`);
    this.#o.changed.notify();
  }
}
