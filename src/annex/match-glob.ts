// Globs as git-annex's include=/exclude=/mimeencoding= terms match them: glob → POSIX regex → RegExp.
//
// git-annex (Utility/Glob.hs, GlobFilePath True) turns a glob into a regex for regex-tdfa and
// anchors it as `^…$`; we rebuild that regex text, then read it the way regex-tdfa 1.3.2 (as
// linked by git-annex 10.20230126) reads it, and express the result as a JavaScript RegExp. Going
// through the regex text keeps git-annex's corner cases, all verified against the binary:
// - `*` and `?` cross `/`; a `/` matches one or more `/`, a `\` one or more `\` (no escaping);
// - every other character that is not an ASCII digit or a letter is backslash-escaped, which makes
//   `\<` `\>` (word start/end), `` \` `` and `\'` (start/end of the text) anchors in regex-tdfa: a
//   literal `<` in a glob never matches itself;
// - `[…]`/`[!…]` end at the first `]` for git-annex but not for regex-tdfa (`[]a]` is `]`, `a` or
//   `\`); POSIX classes are ASCII-only (`[:graph:]` starts at `)`), `[=x=]` is its characters,
//   `[.x.]` matches nothing; a reversed range or unclosed `[` fails when first used;
// - regex-tdfa runs multiline: `^`/`$` match at `\n`, `.` and `[^…]` never match `\n`.

/** A compiled glob: `regex` is the POSIX regex git-annex builds (shown in its error message). */
export type AnnexGlob =
  | { readonly ok: true; readonly glob: string; readonly regex: string; readonly regexp: RegExp }
  | { readonly ok: false; readonly glob: string; readonly regex: string; readonly reason: string };

/** Compiles a glob the way git-annex does for file names; never throws (see AnnexGlob.ok). */
export function compileAnnexGlob(glob: string): AnnexGlob {
  const regex = `^${globToPosixRegex(glob)}$`;
  try {
    return { ok: true, glob, regex, regexp: new RegExp(posixToJs([...regex]), 'u') };
  } catch (err) {
    return { ok: false, glob, regex, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Whether `text` matches a compiled glob; undefined when the glob's regex does not compile. */
export function globMatches(glob: AnnexGlob, text: string): boolean | undefined {
  return glob.ok ? glob.regexp.test(text) : undefined;
}

const LETTER = /^\p{L}$/u;

/** The regex body git-annex writes for a glob (without the ^ … $ anchors). */
export function globToPosixRegex(glob: string): string {
  let out = '';
  let inBracket = false;
  const chars = [...glob];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (inBracket) {
      // Inside […] git-annex copies characters, doubling a backslash, until the first ']'.
      if (c === ']') inBracket = false;
      out += c === '\\' ? '\\\\' : c;
    } else if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      inBracket = true;
      if (chars[i + 1] === '!') {
        out += '[^';
        i++;
      } else out += '[';
    } else if (c === '/') out += '[/]+';
    else if (c === '\\') out += '[\\]+';
    else if ((c >= '0' && c <= '9') || LETTER.test(c)) out += c;
    else out += `\\${c}`;
  }
  return out;
}

/** Thrown inside posixToJs for a regex regex-tdfa would reject; becomes AnnexGlob.reason. */
class RegexSyntax extends Error {}

const WORD = '[0-9A-Za-z_]';

/** Translates the POSIX ERE subset git-annex's globs produce into JavaScript ('u' flag) source. */
function posixToJs(s: readonly string[]): string {
  let out = '';
  let lastAtom: string | undefined;
  let i = 0;
  const emit = (atom: string, quantifiable: boolean): void => {
    out += atom;
    lastAtom = quantifiable ? atom : undefined;
  };
  while (i < s.length) {
    const c = s[i] as string;
    i++;
    if (c === '^') emit('(?<![^\\n])', true);
    else if (c === '$') emit('(?![^\\n])', true);
    else if (c === '.') emit('[^\\n]', true);
    else if (c === '[') {
      const [cls, next] = readBracket(s, i);
      i = next;
      emit(cls, true);
    } else if (c === '\\') {
      const e = s[i];
      if (e === undefined) throw new RegexSyntax('trailing backslash');
      i++;
      emit(escapeAtom(e), true);
    } else if (c === '*' || c === '+' || c === '?') {
      if (lastAtom === undefined) throw new RegexSyntax(`nothing to repeat before ${c}`);
      // Re-emit the previous atom grouped so the quantifier applies to all of it.
      out = `${out.slice(0, out.length - lastAtom.length)}(?:${lastAtom})${c}`;
      lastAtom = undefined;
    } else if ('(){|'.includes(c)) {
      // git-annex escapes these outside brackets, so they cannot occur here unescaped.
      throw new RegexSyntax(`unexpected ${c}`);
    } else emit(jsChar(c), true);
  }
  return out;
}

/** A backslash escape: regex-tdfa's anchors, else the literal character. */
function escapeAtom(e: string): string {
  switch (e) {
    case '`':
      return '(?<![\\s\\S])';
    case "'":
      return '(?![\\s\\S])';
    case '<':
      return `(?<!${WORD})(?=${WORD})`;
    case '>':
      return `(?<=${WORD})(?!${WORD})`;
    case 'b':
      return `(?:(?<!${WORD})(?=${WORD})|(?<=${WORD})(?!${WORD}))`;
    case 'B':
      return `(?:(?<=${WORD})(?=${WORD})|(?<!${WORD})(?!${WORD}))`;
    default:
      return jsChar(e);
  }
}

/** POSIX character classes as regex-tdfa defines them: ASCII only, `graph` from ')' (sic). */
const CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9a-zA-Z',
  digit: '0-9',
  punct: '!-\\/:-@\\[-`{-~',
  alpha: 'a-zA-Z',
  graph: '\\)-~',
  space: ' \\t\\r\\n\\v\\f',
  blank: ' \\t',
  lower: 'a-z',
  upper: 'A-Z',
  cntrl: '\\0-\\x1f\\x7f',
  print: ' -~',
  xdigit: '0-9a-fA-F',
  word: '0-9a-zA-Z_',
};

/** Reads a bracket expression starting after '['; returns the JS class and the index after ']'. */
function readBracket(s: readonly string[], start: number): [string, number] {
  let i = start;
  let negate = false;
  if (s[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let count = 0;
  if (s[i] === ']') {
    body += '\\]';
    i++;
    count++;
  }
  const until = (close: string, from: number): number => {
    // Index of `close` + ']' after at least one char that is neither close nor ']'.
    let j = from;
    while (j < s.length && s[j] !== close && s[j] !== ']') j++;
    return j > from && s[j] === close && s[j + 1] === ']' ? j : -1;
  };
  for (;;) {
    const c = s[i];
    if (c === undefined) throw new RegexSyntax('unclosed [');
    if (c === ']' && count > 0) {
      i++;
      break;
    }
    const kind = c === '[' ? s[i + 1] : undefined;
    if (kind === ':' || kind === '=' || kind === '.') {
      const end = until(kind, i + 2);
      if (end >= 0) {
        const name = s.slice(i + 2, end).join('');
        if (kind === ':') body += CLASSES[name] ?? '';
        else if (kind === '=') body += [...name].map(jsClassChar).join('');
        // [.x.] collating elements are parsed but match nothing.
        i = end + 2;
        count++;
        continue;
      }
    }
    if (c !== '-' && s[i + 1] === '-' && s[i + 2] !== undefined && s[i + 2] !== ']') {
      const end = s[i + 2] as string;
      if ((c.codePointAt(0) ?? 0) > (end.codePointAt(0) ?? 0)) throw new RegexSyntax(`reversed range ${c}-${end}`);
      body += `${jsClassChar(c)}-${jsClassChar(end)}`;
      i += 3;
    } else {
      body += jsClassChar(c);
      i++;
    }
    count++;
  }
  return [negate ? `[^\\n${body}]` : `[${body}]`, i];
}

/** One literal character as JS regex source ('u' mode). */
function jsChar(c: string): string {
  return /^[0-9A-Za-z]$/.test(c) ? c : `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`;
}

/** One literal character inside a JS character class ('u' mode). */
function jsClassChar(c: string): string {
  return jsChar(c);
}
