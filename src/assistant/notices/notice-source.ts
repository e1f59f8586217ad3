// What every kind of change-notice listener gives the assistant: a connection that says when it is ready, when something changed, and when it ended.

/** What a listener reports while it is connected. */
export interface NoticeHandlers {
  /** Listening now: changes from here on will be heard. */
  ready(): void;
  /**
   * Something changed. `shas`: the new values of the refs that moved, when the source names
   * them (git-annex-shell does); `remote`: the remote it concerns, when the source names it (a
   * notice command does), else the listener's own remote.
   */
  changed(notice: { readonly shas?: readonly string[]; readonly remote?: string }): void;
}

/** Why a connection ended. `permanent`: trying again will not help (git-annex-shell is not installed there). */
export interface NoticeEnd {
  readonly reason: string;
  readonly permanent: boolean;
}

/** One open listener. */
export interface NoticeConnection {
  /** Settles once the connection is over (closed by us, dropped, or never opened), with the reason. */
  readonly ended: Promise<NoticeEnd>;
  /** Stops listening; `ended` settles soon after. */
  close(): void;
}
