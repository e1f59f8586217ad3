// The lines git-annex-shell notifychanges prints: pure parsing.
//
// git-annex-shell notifychanges (git-annex's git-annex-shell(1), "notifychanges"; used by its
// remote daemon over ssh) prints `READY` once it watches the repository's refs, then
// `CHANGED <sha> <sha> ...` whenever refs change, naming the new values of the refs that moved.
// It reads its stdin only to notice the caller leaving: it exits when stdin closes.

/** One line from notifychanges. */
export type NotifyMessage = { readonly type: 'ready' } | { readonly type: 'changed'; readonly shas: readonly string[] };

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** The message a line carries; undefined for a line that is neither (ignored: a later git-annex may say more). */
export function parseNotifyLine(line: string): NotifyMessage | undefined {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (words[0] === 'READY' && words.length === 1) return { type: 'ready' };
  if (words[0] === 'CHANGED') return { type: 'changed', shas: words.slice(1).filter((w) => SHA.test(w)) };
  return undefined;
}
