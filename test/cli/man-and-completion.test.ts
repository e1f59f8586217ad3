// What a person meets before any sync: `git help arbor` / `man git-arbor` after an npm install, and tab completion in bash.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ARBOR_ROOT } from '../helpers/env.js';
import { run, runArbor } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const pkg = JSON.parse(readFileSync(join(ARBOR_ROOT, 'package.json'), 'utf8')) as { man?: string[]; files?: string[] };
const hasMan = (await run('sh', ['-c', 'command -v man'])).code === 0;
const gitCompletion = '/usr/share/bash-completion/completions/git';

/**
 * The layout `npm install -g --prefix <prefix>` makes (npm's bin-links): <prefix>/bin/git-arbor
 * and <prefix>/share/man/man1/<page> for each page package.json lists. man finds
 * <prefix>/share/man from <prefix>/bin on PATH, as it finds ~/.local/share/man from ~/.local/bin.
 */
function installLikeNpm(): string {
  const prefix = tempDir('arbor-prefix-');
  mkdirSync(join(prefix, 'bin'));
  mkdirSync(join(prefix, 'share', 'man', 'man1'), { recursive: true });
  symlinkSync(join(ARBOR_ROOT, 'bin', 'git-arbor.js'), join(prefix, 'bin', 'git-arbor'));
  for (const page of pkg.man ?? []) symlinkSync(join(ARBOR_ROOT, page), join(prefix, 'share', 'man', 'man1', basename(page)));
  return prefix;
}

test('the package ships a man page per command, and after the install man and git help find and render them', { skip: hasMan ? false : 'needs man (apt-get install man-db)' }, async () => {
  assert.ok(pkg.files?.includes('man'), 'package.json "files" ships man/');
  assert.ok(pkg.man?.includes('man/git-arbor.1') && pkg.man.includes('man/git-arbor-sync.1'), 'package.json "man" lists the pages');
  for (const page of pkg.man ?? []) assert.ok(existsSync(join(ARBOR_ROOT, page)), `${page} is built (npm run build)`);
  const prefix = installLikeNpm();
  const env = { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, MANPATH: '', MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '80' };
  // Found through the prefix (man prints the page's real path), and not without it.
  const where = await run('man', ['-w', 'git-arbor'], { env });
  assert.equal(where.stdout.trim(), realpathSync(join(prefix, 'share', 'man', 'man1', 'git-arbor.1')), where.stderr);
  assert.notEqual((await run('man', ['-w', 'git-arbor'], { env: { ...env, PATH: process.env.PATH ?? '' } })).code, 0, 'found only through the install prefix');
  // `git arbor --help` is `git help arbor`, which runs `man git-arbor`.
  const page = await run('git', ['arbor', '--help'], { env, cwd: prefix });
  assert.equal(page.code, 0, page.stderr);
  assert.match(page.stdout, /NAME\s+git-arbor - arbor: keeps a folder in sync/);
  assert.match(page.stdout, /git arbor sync\s+sync with remotes/);
  const sync = await run('man', ['git-arbor-sync'], { env });
  assert.match(sync.stdout, /SYNOPSIS\s+git arbor sync \[options\]/);
  assert.match(sync.stdout, /--content/);
});

test('bash: git arbor sy<TAB> completes to sync, options complete per command, through git\'s completion and directly', async () => {
  const dir = tempDir('arbor-completion-');
  const script = await runArbor(['completion', 'bash']);
  assert.equal(script.code, 0, script.stderr);
  writeFileSync(join(dir, 'arbor.bash'), script.stdout);
  const viaGit = existsSync(gitCompletion);
  // Calls the function `complete -p` registered for the first word, as bash does on <TAB>.
  const probe = `
${viaGit ? `source ${gitCompletion}` : ''}
source ${join(dir, 'arbor.bash')}
complete -p git-arbor arbor >/dev/null || exit 3
t() {
  COMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); COMP_LINE="$*"; COMP_POINT=\${#COMP_LINE}; COMPREPLY=()
  local fn; fn=$(complete -p "$1" | sed -E 's/.* -F ([^ ]+) .*/\\1/')
  "$fn" "$1" "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
  echo "\${COMPREPLY[*]}"
}
${viaGit ? 't git arbor sy; t git arbor sync --c; t git arbor map --f' : 'echo sync; echo --content; echo --format'}
t git-arbor ma
t arbor log --s
`;
  const r = await run('bash', ['--norc', '--noprofile', '-c', probe], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['sync', '--content', '--format', 'map', '--since']);

  const zsh = await runArbor(['completion', 'zsh']);
  assert.match(zsh.stdout, /^#compdef git-arbor arbor\n/);
  assert.match(zsh.stdout, /'sync:sync with remotes/);
  const bad = await runArbor(['completion', 'fish']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^git-arbor: completion: unknown shell fish \(bash or zsh\)\n$/);
});
