// Running an arbor command inside the test process (no node start-up): for the many short runs that check a refusal.
import { Writable } from 'node:stream';

/** Runs `git arbor args` in `cwd` through the CLI's main(); returns the exit code and what it wrote to stderr. */
export async function arborInProcess(cwd: string, args: readonly string[]): Promise<{ code: number; stderr: string }> {
  const { main } = await import('../../src/cli/main.js');
  let stderr = '';
  const sink = (into: (s: string) => void): Writable => new Writable({ write: (chunk: Buffer, _enc, done) => (into(chunk.toString()), done()) });
  const code = await main([...args], { cwd, stdout: sink(() => undefined), stderr: sink((s) => (stderr += s)) });
  return { code, stderr };
}
