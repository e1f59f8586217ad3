// The node options the daemon process runs with, apart from the daemon itself so that starting it loads none of its workers.

/**
 * Node options for the long-running daemon process (detached and systemd starts). The daemon is
 * idle nearly all the time, so V8 is told to favour memory over speed: a 1 MiB young generation
 * (default up to 16 MiB per semi-space) and size-optimised code. Measured on a 100,000-file tree
 * with the parcel watcher: idle RSS 98 MiB instead of 147 MiB, startup scan no slower
 * (docs/benchmarks.md, figure 3).
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--optimize-for-size', '--max-semi-space-size=1'];
