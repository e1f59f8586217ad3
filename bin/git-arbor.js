#!/usr/bin/env node
import { existsSync } from 'node:fs';
// The bundle (npm run build) starts faster; dist/cli/*.js is the same code as separate modules.
const built = (name) => {
  const bundle = new URL(`../dist/bundle/${name}.js`, import.meta.url);
  return existsSync(bundle) ? bundle.href : `../dist/cli/${name}.js`;
};
const args = process.argv.slice(2);
if (args.length === 1 && args[0] === 'filter-process') {
  // git starts the filter for most commands in the work tree: it skips the command-line parser.
  const { filterMain } = await import(built('filter-main'));
  process.exitCode = await filterMain(process.cwd(), { input: process.stdin, output: process.stdout, errors: process.stderr });
} else {
  const { main } = await import(built('main'));
  process.exitCode = await main(args);
}
