#!/usr/bin/env node
// Writes the man pages (man/git-arbor.1 and man/git-arbor-<command>.1) from the built CLI's own help (run by npm run build).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describeCli } from '../dist/cli/help/describe-cli.js';
import { manPages } from '../dist/cli/help/man-page.js';
import { VERSION } from '../dist/cli/version.js';

const dir = new URL('../man/', import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) if (/^git-arbor.*\.1$/.test(f)) rmSync(dir + f);
const pages = manPages(await describeCli(), VERSION);
for (const p of pages) writeFileSync(dir + p.file, p.text);
console.log(`man pages: ${pages.length} written to man/`);
// npm links exactly the pages package.json's "man" lists (it reads no directory at install time), so the list must match.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const listed = new Set(pkg.man ?? []);
const made = new Set(pages.map((p) => `man/${p.file}`));
const missing = [...made].filter((f) => !listed.has(f));
const extra = [...listed].filter((f) => !made.has(f));
if (missing.length > 0 || extra.length > 0) {
  console.error(`package.json "man" is out of date: add ${missing.join(' ') || 'nothing'}, remove ${extra.join(' ') || 'nothing'}`);
  process.exit(1);
}
