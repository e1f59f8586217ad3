// git-annex's file-matching expressions (annex.largefiles; preferred content shares the syntax): parse and evaluate.
//
// Semantics follow git-annex 10.20230126 (doc/git-annex-matching-expression.mdwn, Utility/Matcher.hs,
// Annex/FileMatcher.hs), checked against `git annex matchexpression --largefiles`:
// - Tokens are separated by whitespace; '(' and ')' are always tokens of their own, so the
//   attribute form `(largerthan=100kb)or(mimeencoding=binary)` needs no spaces. Keywords are
//   lower case only (`AND` is an unknown token).
// - `and`/`or` have no precedence and read left to right; adjacent terms are and-ed; odd inputs
//   (stray parentheses, dangling operators) mean what they mean to git-annex: see match-tree.ts.
// - The empty expression matches every file.
import { ArborError } from '../util/errors.js';
import { parseDataSize, HASKELL_SPACE } from './data-units.js';
import { compileAnnexGlob, globMatches } from './match-glob.js';
import type { AnnexGlob } from './match-glob.js';
import { buildMatchTree } from './match-tree.js';
import type { MatchSyntax, MatchToken } from './match-tree.js';

/** What a matcher needs to know about one file. Mime answers are computed only when asked for. */
export interface FileInfo {
  /** Path relative to the top of the work tree, with "/" separators and no leading "./". */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** libmagic's MIME encoding of the content (see mime-encoding.ts); absent: mimeencoding= is false. */
  readonly mimeEncoding?: () => Promise<string>;
  /** libmagic's MIME type of the content; absent: mimetype= is false. */
  readonly mimeType?: () => Promise<string>;
}

/** A parsed annex.largefiles expression, ready to test files. */
export interface Matcher {
  /** The expression as written. */
  readonly source: string;
  /** True when a mimeencoding= or mimetype= term may need the file's content. */
  readonly needsMime: boolean;
  /** The parsed expression. */
  readonly tree: MatchTree;
  /** Whether `file` matches (for annex.largefiles: whether it goes to the annex). */
  match(file: FileInfo): Promise<boolean>;
}

/** A malformed expression, or a glob whose regex cannot compile (reported when first used). */
export class MatchExpressionError extends ArborError {
  constructor(message: string, data: Readonly<Record<string, unknown>> = {}) {
    super('EBADEXPR', message, { data });
    this.name = 'MatchExpressionError';
  }
}

/** Preferred-content terms that need repository state (location logs, groups, …) to evaluate. */
export const STATE_TERMS = {
  standard: 'flag',
  groupwanted: 'flag',
  inpreferreddir: 'flag',
  present: 'flag',
  securehash: 'flag',
  copies: 'value',
  lackingcopies: 'value',
  approxlackingcopies: 'value',
  inbackend: 'value',
  metadata: 'value',
  inallgroup: 'value',
} as const;

/** The name of a state term. */
export type StateTermName = keyof typeof STATE_TERMS;

/** One leaf of an expression; `source` is the token as written. */
export type MatchTerm =
  | { readonly kind: 'anything' | 'nothing' | 'unused'; readonly source: string }
  | { readonly kind: 'include' | 'exclude' | 'mimeencoding' | 'mimetype'; readonly source: string; readonly glob: AnnexGlob }
  | { readonly kind: 'largerthan' | 'smallerthan'; readonly source: string; readonly bytes: number }
  | { readonly kind: 'state'; readonly source: string; readonly name: StateTermName; readonly value: string | undefined };

/** An expression tree. `any` is the empty expression (matches everything). */
export type MatchTree =
  | { readonly op: 'any' }
  | { readonly op: 'and' | 'or'; readonly left: MatchTree; readonly right: MatchTree }
  | { readonly op: 'not'; readonly operand: MatchTree }
  | { readonly op: 'term'; readonly term: MatchTerm };

/** Which terms are allowed: annex.largefiles (files on disk) or preferred content (keys, repos). */
export type MatchVocabulary = 'largefiles' | 'preferred-content';

/** Parses an annex.largefiles expression (throws MatchExpressionError naming the bad token). */
export function parseMatchExpression(text: string): Matcher {
  const tree = parseMatchTree(text, { vocabulary: 'largefiles' });
  const needsMime = someTerm(tree, (t) => t.kind === 'mimeencoding' || t.kind === 'mimetype');
  return { source: text, needsMime, tree, match: (file) => evaluateMatchTree(tree, { file }) };
}

/** Splits an expression into tokens as git-annex does (whitespace, and parentheses on their own). */
export function tokenizeMatchExpression(text: string): string[] {
  const tokens: string[] = [];
  for (const word of text.split(new RegExp(`${HASKELL_SPACE.source}+`, 'u'))) {
    for (const part of word.split(/([()])/)) if (part !== '') tokens.push(part);
  }
  return tokens;
}

/** Parses an expression of either vocabulary into a tree (throws MatchExpressionError). */
export function parseMatchTree(text: string, opts: { vocabulary: MatchVocabulary }): MatchTree {
  const errors: string[] = [];
  const tokens: MatchToken[] = [];
  for (const word of tokenizeMatchExpression(text)) {
    if (SYNTAX.has(word)) tokens.push(word as MatchSyntax);
    else {
      const term = parseTerm(word, opts.vocabulary);
      if (typeof term === 'string') errors.push(term);
      else tokens.push(term);
    }
  }
  if (errors.length > 0) {
    throw new MatchExpressionError(`bad expression ${JSON.stringify(text)}: ${errors.join('; ')}`, { expression: text, errors });
  }
  return buildMatchTree(tokens);
}

/** True when the tree has no terms at all (git-annex treats this as "not configured"). */
export function isEmptyTree(tree: MatchTree): boolean {
  return tree.op === 'any';
}

/** Decides the terms that need repository state; absent, such terms throw MatchExpressionError. */
export type StateTermEvaluator = (term: MatchTerm & { kind: 'state' }, file: FileInfo) => Promise<boolean>;

/** Evaluates a tree for one file, left to right with short-circuit `and`/`or` like git-annex. */
export async function evaluateMatchTree(tree: MatchTree, ctx: { file: FileInfo; state?: StateTermEvaluator }): Promise<boolean> {
  switch (tree.op) {
    case 'any':
      return true;
    case 'and':
      return (await evaluateMatchTree(tree.left, ctx)) && evaluateMatchTree(tree.right, ctx);
    case 'or':
      return (await evaluateMatchTree(tree.left, ctx)) || evaluateMatchTree(tree.right, ctx);
    case 'not':
      return !(await evaluateMatchTree(tree.operand, ctx));
    case 'term':
      return evaluateTerm(tree.term, ctx);
  }
}

/** Whether any term of the tree satisfies `pred`. */
export function someTerm(tree: MatchTree, pred: (t: MatchTerm) => boolean): boolean {
  switch (tree.op) {
    case 'any':
      return false;
    case 'and':
    case 'or':
      return someTerm(tree.left, pred) || someTerm(tree.right, pred);
    case 'not':
      return someTerm(tree.operand, pred);
    case 'term':
      return pred(tree.term);
  }
}

async function evaluateTerm(term: MatchTerm, ctx: { file: FileInfo; state?: StateTermEvaluator }): Promise<boolean> {
  const { file } = ctx;
  switch (term.kind) {
    case 'anything':
      return true;
    case 'nothing':
      return false;
    case 'unused':
      return false; // a file in the work tree is used by definition (git-annex: limitUnused)
    case 'include':
      return useGlob(term.glob, file.path);
    case 'exclude':
      return !useGlob(term.glob, file.path);
    case 'largerthan':
      return file.size > term.bytes;
    case 'smallerthan':
      return file.size < term.bytes;
    case 'mimeencoding':
    case 'mimetype': {
      const get = term.kind === 'mimeencoding' ? file.mimeEncoding : file.mimeType;
      if (get === undefined) return false;
      let value: string;
      try {
        value = await get();
      } catch (err) {
        // git-annex: a file that cannot be read matches no mime term (catchBoolIO); our own
        // failures (a missing tool) are not I/O errors about the file and must be seen.
        if (err instanceof ArborError) throw err;
        return false;
      }
      return useGlob(term.glob, value);
    }
    case 'state':
      if (ctx.state === undefined) {
        throw new MatchExpressionError(`"${term.source}" needs repository state: it is only supported in preferred content`, { term: term.source });
      }
      return ctx.state(term, file);
  }
}

function useGlob(glob: AnnexGlob, text: string): boolean {
  const r = globMatches(glob, text);
  if (r === undefined) {
    const reason = glob.ok ? '' : glob.reason;
    throw new MatchExpressionError(`failed to compile regex: ${glob.regex} (from glob ${JSON.stringify(glob.glob)}: ${reason})`, { glob: glob.glob });
  }
  return r;
}

const SYNTAX: ReadonlySet<string> = new Set(['and', 'or', 'not', '(', ')']);

const GLOB_TERMS = new Set(['include', 'exclude']);
const MIME_TERMS = new Set(['mimeencoding', 'mimetype']);

/** One term token, or an error message naming it. */
function parseTerm(word: string, vocabulary: MatchVocabulary): MatchTerm | string {
  if (word === 'anything' || word === 'nothing' || word === 'unused') return { kind: word, source: word };
  const eq = word.indexOf('=');
  const key = eq < 0 ? word : word.slice(0, eq);
  const value = eq < 0 ? '' : word.slice(eq + 1);
  const near = `near ${JSON.stringify(word)}`;
  if (GLOB_TERMS.has(key) || (vocabulary === 'largefiles' && MIME_TERMS.has(key))) {
    return { kind: key as 'include' | 'exclude' | 'mimeencoding' | 'mimetype', source: word, glob: compileAnnexGlob(value) };
  }
  if (key === 'largerthan' || key === 'smallerthan') {
    const bytes = parseDataSize(value);
    return bytes === undefined ? `bad size in ${JSON.stringify(word)}` : { kind: key, source: word, bytes };
  }
  if (Object.hasOwn(STATE_TERMS, key)) {
    const name = key as StateTermName;
    if (vocabulary === 'largefiles') return `${near} (only allowed in preferred content expressions)`;
    if (STATE_TERMS[name] === 'flag' && eq >= 0) return near;
    return { kind: 'state', source: word, name, value: STATE_TERMS[name] === 'value' ? value : undefined };
  }
  if (MIME_TERMS.has(key)) return `${near} (only allowed in annex.largefiles expressions)`;
  return near;
}
