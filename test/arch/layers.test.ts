// Enforces the dependency direction of docs/design/architecture.md by scanning src/ imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const SRC = resolve('src');

/** Which top-level directories each layer may import at runtime. */
const allowed: Record<string, readonly string[]> = {
  util: ['util'],
  git: ['util', 'git'],
  drives: ['util', 'drives'],
  annex: ['util', 'git', 'annex'],
  reconcile: ['util', 'reconcile'],
  remotes: ['util', 'git', 'annex', 'reconcile', 'remotes'],
  network: ['util', 'network'],
  transfers: ['util', 'git', 'annex', 'remotes', 'transfers'],
  content: ['util', 'git', 'annex', 'reconcile', 'remotes', 'network', 'transfers', 'content'],
  sync: ['util', 'git', 'annex', 'reconcile', 'remotes', 'network', 'transfers', 'content', 'sync'],
  assistant: ['util', 'git', 'annex', 'reconcile', 'remotes', 'network', 'transfers', 'content', 'sync', 'drives', 'assistant'],
  cli: ['util', 'git', 'annex', 'reconcile', 'remotes', 'network', 'transfers', 'content', 'sync', 'drives', 'assistant', 'cli'],
};

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Import specifiers of a module, marking `import type` (erased at runtime). */
function imports(source: string): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(re)) out.push({ spec: m[3] ?? m[4] ?? '', typeOnly: m[2] !== undefined });
  return out;
}

export function violations(root: string): string[] {
  const bad: string[] = [];
  for (const file of walk(root)) {
    const layer = relative(root, file).split('/')[0] ?? '';
    const rules = allowed[layer];
    if (!rules) {
      bad.push(`${relative(root, file)}: top-level directory '${layer}' has no place in the layer table`);
      continue;
    }
    for (const { spec, typeOnly } of imports(readFileSync(file, 'utf8'))) {
      if ((layer === 'network' || layer === 'reconcile') && spec.startsWith('node:')) bad.push(`${relative(root, file)} imports ${spec} (${layer} stays pure)`);
      if (!spec.startsWith('.')) continue;
      const target = relative(root, resolve(dirname(file), spec)).split('/')[0] ?? '';
      if (layer === 'network' && target === 'annex' && typeOnly) continue;
      if (!rules.includes(target)) bad.push(`${relative(root, file)} imports ${spec} (${layer} may not import ${target})`);
    }
  }
  return bad;
}

test('no module imports against the layer direction', () => {
  assert.deepEqual(violations(SRC), []);
});

test('the check catches an upward import', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const root = mkdtempSync(join(tmpdir(), 'arbor-layers-'));
  mkdirSync(join(root, 'annex'));
  mkdirSync(join(root, 'cli'));
  writeFileSync(join(root, 'cli', 'main.ts'), 'export const x = 1;\n');
  writeFileSync(join(root, 'annex', 'key.ts'), "import { x } from '../cli/main.js';\nexport const y = x;\n");
  assert.deepEqual(violations(root), ['annex/key.ts imports ../cli/main.js (annex may not import cli)']);
});

test('the check catches a node: import in a pure layer (reconcile)', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const root = mkdtempSync(join(tmpdir(), 'arbor-layers-'));
  mkdirSync(join(root, 'reconcile'));
  writeFileSync(join(root, 'reconcile', 'hash.ts'), "import { createHash } from 'node:crypto';\nexport const h = createHash;\n");
  assert.deepEqual(violations(root), ['reconcile/hash.ts imports node:crypto (reconcile stays pure)']);
});

test('content sync is one pass: only content/content-pass.ts decides drops and forwards content, for the CLI and the daemon alike', () => {
  const callers = walk(SRC).filter((file) => /\b(mayDrop|autoDrop)\(/.test(readFileSync(file, 'utf8'))).map((file) => relative(SRC, file)).sort();
  assert.deepEqual(callers, ['content/auto-drop.ts', 'content/content-pass.ts'], 'a second content pass would call the drop code itself');
  for (const caller of ['sync/content.ts', 'assistant/workers/transferrer.ts']) {
    assert.match(readFileSync(join(SRC, caller), 'utf8'), /runContentPass\(/, `${caller} runs the shared pass`);
  }
});
