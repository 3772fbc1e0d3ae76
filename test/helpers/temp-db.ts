// A temp directory per test holding a real SQLite file, removed when the test ends.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';

/** Path of a not-yet-created database file in a fresh temp directory, deleted after the current test. */
export function tempDbPath(name = 'vigil.db'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-test-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, name);
}
