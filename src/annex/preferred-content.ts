// Preferred content: whether a repository wants a file's content (git-annex `wanted`, `required`, `groupwanted`, standard groups).
//
// Semantics of git-annex 10.20230126 (doc/git-annex-preferred-content.mdwn,
// doc/preferred_content/standard_groups.mdwn), checked with `git annex find --want-get-by` and
// `--want-drop-by` (test/interop/preferred-content.test.ts):
// - A repository's expression is its preferred-content.log entry, or-ed with its
//   required-content.log entry (required content is also preferred); an empty entry is unset.
// - An expression that does not parse (a newer git-annex's term, a typo written by hand) means
//   `present`: the repository keeps what it has and wants nothing new. So does `standard` for a
//   repository in no standard group, and `groupwanted` unless exactly one of its groups has a
//   group-preferred-content.log expression.
// - `standard` is the expression of the repository's standard group; with several, it means
//   `present`. Inside a standard expression, `standard` and `groupwanted` mean
//   `present`; inside a groupwanted expression, `groupwanted` does.
// - Location terms count the location log without dead repositories, minus the repositories
//   assumed not to have the content (when deciding a drop, the repository itself).
import type { AnnexBranch } from './branch.js';
import { evaluateMatchTree, MatchExpressionError, parseMatchTree, someTerm } from './matcher.js';
import type { FileInfo, MatchTerm, MatchTree } from './matcher.js';
import type { VectorClock } from './vector-clock.js';
import { parseGroupLog } from './logs/group.js';
import { parseMapLog, setMapLogValue } from './logs/map-log.js';
import { numCopies } from './logs/numcopies.js';
import { GROUP_LOG, GROUP_PREFERRED_CONTENT_LOG, PREFERRED_CONTENT_LOG, REMOTE_LOG, REQUIRED_CONTENT_LOG } from './logs/paths.js';
import { parseRemoteConfig } from './logs/remote-config.js';
import { trustLevels, type TrustLevel } from './logs/trust.js';
import { parseUuidLog, setUuidLogValue } from './logs/uuid-based.js';

/** git-annex's standard groups (Types/StandardGroups.hs), in its order. */
export const STANDARD_GROUPS = ['client', 'transfer', 'backup', 'incrementalbackup', 'smallarchive', 'archive', 'source', 'manual', 'public', 'unwanted'] as const;

/** A standard group name. */
export type StandardGroup = (typeof STANDARD_GROUPS)[number];

/**
 * The standard expressions exactly as git-annex 10.20230126 prints them in `git annex vicfg`
 * ("Standard preferred contents"). They changed across versions; these are the ones to match.
 */
export const STANDARD_EXPRESSIONS: Readonly<Record<StandardGroup, string>> = {
  client: '(include=* and ((exclude=*/archive/* and exclude=archive/*) or (not (copies=archive:1 or copies=smallarchive:1)))) or approxlackingcopies=1',
  transfer:
    '(not (inallgroup=client and copies=client:2) and ((include=* and ((exclude=*/archive/* and exclude=archive/*) or (not (copies=archive:1 or copies=smallarchive:1)))) or approxlackingcopies=1)) or approxlackingcopies=1',
  backup: 'anything',
  incrementalbackup: '((not copies=backup:1) and (not copies=incrementalbackup:1)) or approxlackingcopies=1',
  smallarchive: '((include=*/archive/* or include=archive/*) and ((not (copies=archive:1 or copies=smallarchive:1)) or approxlackingcopies=1)) or approxlackingcopies=1',
  archive: '(not (copies=archive:1 or copies=smallarchive:1)) or approxlackingcopies=1',
  source: 'not (copies=1)',
  manual: 'present and ((include=* and ((exclude=*/archive/* and exclude=archive/*) or (not (copies=archive:1 or copies=smallarchive:1)))) or approxlackingcopies=1)',
  public: 'inpreferreddir',
  unwanted: 'not anything',
};

/**
 * The standard group whose expression `standard` uses: the repository's only standard group.
 * With none or several, undefined (`standard` then means `present`; verified with git-annex
 * 10.20230126: a repository in archive+backup, client+archive or client+incrementalbackup wants
 * exactly what it has).
 */
export function standardGroupOf(groups: ReadonlySet<string>): StandardGroup | undefined {
  const standard = [...groups].filter((g): g is StandardGroup => (STANDARD_GROUPS as readonly string[]).includes(g));
  return standard.length === 1 ? standard[0] : undefined;
}

/** Everything preferred content depends on besides the file, read once from the git-annex branch. */
export interface PreferredContentConfig {
  /** preferred-content.log: uuid → expression (empty entries left out). */
  readonly preferred: ReadonlyMap<string, string>;
  /** required-content.log: uuid → expression (empty entries left out). */
  readonly required: ReadonlyMap<string, string>;
  /** group-preferred-content.log: group → expression (empty entries left out). */
  readonly groupWanted: ReadonlyMap<string, string>;
  readonly groups: ReadonlyMap<string, ReadonlySet<string>>;
  /** Trust levels; absent repositories are semitrusted. */
  readonly trust: ReadonlyMap<string, TrustLevel>;
  /** The repository-wide numcopies (numcopies.log, default 1). */
  readonly numcopies: number;
  /** `preferreddir=` of special remotes (remote.log), for `inpreferreddir`; default "public". */
  readonly preferredDirs: ReadonlyMap<string, string>;
}

/** An empty configuration: nobody has an expression, so everybody wants everything. */
export function emptyPreferredContentConfig(): PreferredContentConfig {
  return { preferred: new Map(), required: new Map(), groupWanted: new Map(), groups: new Map(), trust: new Map(), numcopies: 1, preferredDirs: new Map() };
}

function nonEmptyValues(entries: ReadonlyMap<string, { readonly value: string }>): Map<string, string> {
  return new Map([...entries].filter(([, e]) => e.value.trim() !== '').map(([k, e]) => [k, e.value]));
}

/** Reads the configuration from the branch (preferred, required and group content, groups, trust, numcopies). */
export async function readPreferredContentConfig(branch: AnnexBranch): Promise<PreferredContentConfig> {
  const read = async (path: string): Promise<string> => (await branch.read(path)) ?? '';
  const preferredDirs = new Map<string, string>();
  for (const [uuid, e] of parseUuidLog(await read(REMOTE_LOG))) {
    const dir = parseRemoteConfig(e.value).get('preferreddir');
    if (dir) preferredDirs.set(uuid, dir);
  }
  return {
    preferred: nonEmptyValues(parseUuidLog(await read(PREFERRED_CONTENT_LOG))),
    required: nonEmptyValues(parseUuidLog(await read(REQUIRED_CONTENT_LOG))),
    groupWanted: nonEmptyValues(parseMapLog(await read(GROUP_PREFERRED_CONTENT_LOG))),
    groups: parseGroupLog(await read(GROUP_LOG)),
    trust: await trustLevels(branch),
    numcopies: await numCopies(branch),
    preferredDirs,
  };
}

/** What is known about one file's content when deciding whether a repository wants it. */
export interface ContentSubject {
  /** Path relative to the work tree top, "/"-separated (what include=/exclude= match). */
  readonly path: string;
  /** The key's size in bytes; undefined for keys without one (largerthan= is then false, smallerthan= true, as in git-annex). */
  readonly size: number | undefined;
  /** The key's backend (SHA256E, …), for `securehash` and `inbackend=`. */
  readonly backend?: string;
  /** Repositories the location log says have the content. */
  readonly locations: readonly string[];
}

/** Which repository is asking, about what. */
export interface WantsQuery {
  readonly uuid: string;
  readonly subject: ContentSubject;
  /**
   * Repositories to count as not having the content (git-annex's "assume not present"): empty to
   * decide a get (the default), the repository itself to decide a drop.
   */
  readonly assumeNotPresent?: Iterable<string>;
}

/** A parsed expression with its `standard` / `groupwanted` expansions (undefined: that term means `present`). */
interface Compiled {
  readonly tree: MatchTree;
  readonly standard?: Compiled;
  readonly groupWanted?: Compiled;
}

const PRESENT: Compiled = { tree: { op: 'term', term: { kind: 'state', source: 'present', name: 'present', value: undefined } } };
const TRUST_ORDER: readonly TrustLevel[] = ['dead', 'untrusted', 'semitrusted', 'trusted'];
const INTEGER = /^-?\d+$/;
const SECURE_BACKEND = /^(SHA(224|256|384|512)|SHA3_\d+|SKEIN\d+|BLAKE2[A-Z]*\d+)E?$/;

/** The value error of a state term, as git-annex reports it when parsing; undefined when fine. */
function stateTermError(term: MatchTerm & { kind: 'state' }): string | undefined {
  const v = term.value ?? '';
  if (term.name === 'copies') {
    const parts = v.split(':');
    if (parts.length > 2) return 'bad value for copies';
    return INTEGER.test(parts[parts.length - 1] ?? '') ? undefined : 'bad number for copies';
  }
  if (term.name === 'lackingcopies' || term.name === 'approxlackingcopies') return INTEGER.test(v) ? undefined : 'bad value for number of lacking copies';
  return undefined;
}

/** Parses an expression with the state-term value checks git-annex does at parse time; throws MatchExpressionError. */
function parseChecked(expression: string): MatchTree {
  const tree = parseMatchTree(expression, { vocabulary: 'preferred-content' });
  const errors: string[] = [];
  someTerm(tree, (t) => {
    const err = t.kind === 'state' ? stateTermError(t) : undefined;
    if (err !== undefined) errors.push(`${err} (${t.source})`);
    return false;
  });
  if (errors.length > 0) throw new MatchExpressionError(`bad expression ${JSON.stringify(expression)}: ${errors.join('; ')}`, { expression, errors });
  return tree;
}

/**
 * Checks an expression before it is stored (`git arbor wanted`): undefined when git-annex would
 * accept it, else the reason. `standard` and `groupwanted` are always accepted.
 */
export function checkPreferredContentExpression(expression: string): string | undefined {
  try {
    parseChecked(expression);
    return undefined;
  } catch (err) {
    if (err instanceof MatchExpressionError) return err.message;
    throw err;
  }
}

const hasState = (tree: MatchTree, name: string): boolean => someTerm(tree, (t) => t.kind === 'state' && t.name === name);

/**
 * Decides preferred content for every repository of one configuration. Parsed expressions are
 * cached per (repository, expression), so planning many files parses each expression once.
 */
export class PreferredContent {
  readonly config: PreferredContentConfig;
  /** Invariant: holds the compiled expression per `uuid\0expression`; undefined means it does not parse. */
  readonly #cache = new Map<string, Compiled | undefined>();

  constructor(config: PreferredContentConfig) {
    this.config = config;
  }

  /** Whether `uuid` has a preferred or required content expression at all. */
  hasExpression(uuid: string): boolean {
    return this.config.preferred.has(uuid) || this.config.required.has(uuid);
  }

  /**
   * Whether the repository wants the content. A repository without any expression wants
   * everything (arbor's default; git-annex's `find --want-get` answers no for those).
   */
  async wants(query: WantsQuery): Promise<boolean> {
    const expressions = [this.config.preferred.get(query.uuid), this.config.required.get(query.uuid)].filter((e): e is string => e !== undefined);
    if (expressions.length === 0) return true;
    const notPresent = new Set(query.assumeNotPresent ?? []);
    for (const expression of expressions) {
      if (await this.#evaluate(this.#compile(query.uuid, expression), query, notPresent)) return true;
    }
    return false;
  }

  /**
   * Why drops must not follow `uuid`'s policy: one of its expressions (or the standard or group
   * expression it uses) does not parse, or uses a term arbor cannot evaluate (`metadata=`, which
   * it does not read). undefined when the policy is understood, or when there is none.
   */
  misunderstood(uuid: string): string | undefined {
    for (const expression of [this.config.preferred.get(uuid), this.config.required.get(uuid)]) {
      if (expression === undefined) continue;
      this.#compile(uuid, expression);
      const compiled = this.#cache.get(`${uuid}\0${expression}`);
      if (compiled === undefined) {
        const reason = checkPreferredContentExpression(expression);
        return reason ?? `the standard or group expression that ${JSON.stringify(expression)} uses does not parse`;
      }
      const unread = (c: Compiled | undefined): boolean => c !== undefined && (hasState(c.tree, 'metadata') || unread(c.standard) || unread(c.groupWanted));
      if (unread(compiled)) return `${JSON.stringify(expression)} uses metadata=, which arbor does not evaluate`;
    }
    return undefined;
  }

  #compile(uuid: string, expression: string): Compiled {
    const cacheKey = `${uuid}\0${expression}`;
    if (!this.#cache.has(cacheKey)) this.#cache.set(cacheKey, this.#compileWith(uuid, expression, { standard: true, groupWanted: true }));
    return this.#cache.get(cacheKey) ?? PRESENT;
  }

  /** Parses `expression` and its expansions; undefined when it or an expansion it needs does not parse. */
  #compileWith(uuid: string, expression: string, expand: { standard: boolean; groupWanted: boolean }): Compiled | undefined {
    let tree: MatchTree;
    try {
      tree = parseChecked(expression);
    } catch (err) {
      if (err instanceof MatchExpressionError) return undefined;
      throw err;
    }
    const groups = this.config.groups.get(uuid) ?? new Set<string>();
    let standard: Compiled | undefined;
    if (expand.standard && hasState(tree, 'standard')) {
      const group = standardGroupOf(groups);
      if (group !== undefined) {
        standard = this.#compileWith(uuid, STANDARD_EXPRESSIONS[group], { standard: false, groupWanted: false });
        if (standard === undefined) return undefined;
      }
    }
    let groupWanted: Compiled | undefined;
    if (expand.groupWanted && hasState(tree, 'groupwanted')) {
      const candidates = [...groups].flatMap((g) => this.config.groupWanted.get(g) ?? []);
      if (candidates.length === 1) {
        groupWanted = this.#compileWith(uuid, candidates[0] as string, { standard: true, groupWanted: false });
        if (groupWanted === undefined) return undefined;
      }
    }
    return { tree, ...(standard ? { standard } : {}), ...(groupWanted ? { groupWanted } : {}) };
  }

  async #evaluate(compiled: Compiled, query: WantsQuery, notPresent: ReadonlySet<string>): Promise<boolean> {
    const { subject } = query;
    const file: FileInfo = { path: subject.path, size: subject.size ?? Number.NEGATIVE_INFINITY };
    return evaluateMatchTree(compiled.tree, {
      file,
      state: async (term) => {
        switch (term.name) {
          case 'standard':
            return this.#evaluate(compiled.standard ?? PRESENT, query, notPresent);
          case 'groupwanted':
            return this.#evaluate(compiled.groupWanted ?? PRESENT, query, notPresent);
          default:
            return this.#stateTerm(term, query, notPresent);
        }
      },
    });
  }

  #trustOf(uuid: string): TrustLevel {
    return this.config.trust.get(uuid) ?? 'semitrusted';
  }

  /** Locations that count: not dead, not assumed absent. */
  #counted(query: WantsQuery, notPresent: ReadonlySet<string>): string[] {
    return [...new Set(query.subject.locations)].filter((u) => this.#trustOf(u) !== 'dead' && !notPresent.has(u));
  }

  #stateTerm(term: MatchTerm & { kind: 'state' }, query: WantsQuery, notPresent: ReadonlySet<string>): boolean {
    const { subject } = query;
    const value = term.value ?? '';
    switch (term.name) {
      case 'present':
        return subject.locations.includes(query.uuid);
      case 'copies': {
        const [spec, n] = value.includes(':') ? (value.split(':') as [string, string]) : [undefined, value];
        const good = this.#copiesFilter(spec);
        return this.#counted(query, notPresent).filter(good).length >= Number(n);
      }
      case 'lackingcopies':
      case 'approxlackingcopies': {
        const copies = this.#counted(query, notPresent).filter((u) => this.#trustOf(u) !== 'untrusted').length;
        return this.config.numcopies - copies >= Number(value);
      }
      case 'inallgroup': {
        const members = [...this.config.groups].filter(([, gs]) => gs.has(value)).map(([u]) => u);
        if (members.length === 0) return true;
        if (members.some((u) => notPresent.has(u))) return false;
        const present = new Set(subject.locations.filter((u) => this.#trustOf(u) !== 'dead'));
        return members.every((u) => present.has(u));
      }
      case 'inpreferreddir': {
        const dir = this.config.preferredDirs.get(query.uuid) ?? 'public';
        return subject.path.split('/').slice(0, -1).includes(dir);
      }
      case 'securehash':
        return subject.backend !== undefined && SECURE_BACKEND.test(subject.backend);
      case 'inbackend':
        return subject.backend === value;
      default:
        // metadata= needs the metadata log, which arbor does not read yet: never matches.
        return false;
    }
  }

  /** The repositories `copies=spec:n` counts: a trust level (`level+` = at least), else a group. */
  #copiesFilter(spec: string | undefined): (uuid: string) => boolean {
    if (spec === undefined) return () => true;
    const atLeast = spec.endsWith('+');
    const level = TRUST_ORDER.indexOf((atLeast ? spec.slice(0, -1) : spec) as TrustLevel);
    if (level >= 0) {
      return (u) => {
        const t = TRUST_ORDER.indexOf(this.#trustOf(u));
        return atLeast ? t >= level : t === level;
      };
    }
    return (u) => this.config.groups.get(u)?.has(spec) ?? false;
  }
}

/** Reads the configuration and returns a decider for it. */
export async function loadPreferredContent(branch: AnnexBranch): Promise<PreferredContent> {
  return new PreferredContent(await readPreferredContentConfig(branch));
}

/** The preferred content expression of one repository ('' when unset). */
export async function preferredContentOf(branch: AnnexBranch, uuid: string): Promise<string> {
  return parseUuidLog((await branch.read(PREFERRED_CONTENT_LOG)) ?? '').get(uuid)?.value ?? '';
}

/** Sets a repository's preferred content expression (`git annex wanted <repo> <expr>`). Returns whether the log changed. */
export async function setPreferredContent(branch: AnnexBranch, change: { readonly uuid: string; readonly expression: string; readonly now: VectorClock }): Promise<boolean> {
  return branch.change(PREFERRED_CONTENT_LOG, (current) => {
    if (parseUuidLog(current ?? '').get(change.uuid)?.value === change.expression) return undefined;
    return setUuidLogValue(current ?? '', { uuid: change.uuid, value: change.expression, now: change.now });
  });
}

/** Sets a group's expression, used by `groupwanted` (`git annex groupwanted <group> <expr>`). */
export async function setGroupPreferredContent(branch: AnnexBranch, change: { readonly group: string; readonly expression: string; readonly now: VectorClock }): Promise<boolean> {
  return branch.change(GROUP_PREFERRED_CONTENT_LOG, (current) => {
    if (parseMapLog(current ?? '').get(change.group)?.value === change.expression) return undefined;
    return setMapLogValue(current ?? '', { field: change.group, value: change.expression, now: change.now });
  });
}
