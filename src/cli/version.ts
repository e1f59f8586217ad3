// arbor's version string, kept in one place.

/** The version printed by `--version` and `git arbor version`. */
export const VERSION = '0.1.0';
