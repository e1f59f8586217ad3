// How git-annex folds a token list into an expression tree (Utility/Matcher.hs `generate`), odd inputs included.
//
// Checked against `git annex matchexpression` (test/fixtures/matcher-cases.ts STRUCTURE_CASES):
// - There is no precedence: `a or b and c` is `(a or b) and c`, read left to right. A `not`
//   applies to the one term or group after it.
// - Adjacent terms or groups at the top level are joined by an implicit `and`; inside a group no
//   `and` is inserted and a nested group continues the running result, so `(a (b or c))` means
//   `((a and b) or c)` while `a (b or c)` means `a and (b or c)`.
// - Stray `)` are ignored and missing `)` supplied; a dangling operator keeps git-annex's reading
//   (`nothing or` matches everything, `anything and not` nothing). No tokens: the empty tree.
import type { MatchTerm, MatchTree } from './matcher.js';

/** A keyword or parenthesis. */
export type MatchSyntax = 'and' | 'or' | 'not' | '(' | ')';

/** One token of an expression: syntax, or a parsed term. */
export type MatchToken = MatchSyntax | MatchTerm;

/** Folds tokens into a tree exactly as git-annex's `generate` does (see the header). */
export function buildMatchTree(tokens: readonly MatchToken[]): MatchTree {
  return simplify(processItems(ANY, implicitAnd(groupTokens(tokens))));
}

type Item = { readonly one: MatchToken } | { readonly group: readonly Item[] };
const ANY: MatchTree = { op: 'any' };

function groupTokens(tokens: readonly MatchToken[]): Item[] {
  const items: Item[] = [];
  let i = 0;
  /** Reads up to the matching ')' (or the end), starting after a '('. */
  const readGroup = (): Item[] => {
    const acc: Item[] = [];
    while (i < tokens.length) {
      const t = tokens[i++] as MatchToken;
      if (t === ')') return acc;
      acc.push(t === '(' ? { group: readGroup() } : { one: t });
    }
    return acc;
  };
  while (i < tokens.length) {
    const t = tokens[i++] as MatchToken;
    if (t === '(') items.push({ group: readGroup() });
    else if (t !== ')') items.push({ one: t });
  }
  return items;
}

function isOperand(item: Item): boolean {
  return 'group' in item || typeof item.one !== 'string';
}

/** Inserts `and` between adjacent terms/groups (top level only, as git-annex does). */
function implicitAnd(items: readonly Item[]): Item[] {
  const out: Item[] = [];
  items.forEach((item, i) => {
    const prev = items[i - 1];
    if (prev !== undefined && isOperand(prev) && isOperand(item)) out.push({ one: 'and' });
    out.push(item);
  });
  return out;
}

function processItems(start: MatchTree, items: readonly Item[]): MatchTree {
  let m = start;
  let rest = items;
  while (rest.length > 0) [m, rest] = consume(m, rest);
  return m;
}

function consume(m: MatchTree, items: readonly Item[]): [MatchTree, readonly Item[]] {
  const [first, ...rest] = items;
  if (first === undefined) return [m, []];
  if ('group' in first) return [processItems(m, first.group), rest];
  const t = first.one;
  const operand = (): [MatchTree, readonly Item[]] => consume(ANY, rest);
  if (t === 'and' || t === 'or') {
    const [p, after] = operand();
    return [{ op: t, left: m, right: p }, after];
  }
  if (t === 'not') {
    const [p, after] = operand();
    return [{ op: 'and', left: m, right: { op: 'not', operand: p } }, after];
  }
  if (typeof t === 'string') return consume(m, rest); // '(' / ')' never survive grouping
  return [{ op: 'and', left: m, right: { op: 'term', term: t } }, rest];
}

/** Drops `any` from `and` nodes as git-annex's simplify does (meaning is unchanged). */
function simplify(t: MatchTree): MatchTree {
  switch (t.op) {
    case 'and':
      if (t.left.op === 'any') return simplify(t.right);
      if (t.right.op === 'any') return simplify(t.left);
      return { op: 'and', left: simplify(t.left), right: simplify(t.right) };
    case 'or':
      return { op: 'or', left: simplify(t.left), right: simplify(t.right) };
    case 'not':
      return { op: 'not', operand: simplify(t.operand) };
    default:
      return t;
  }
}
