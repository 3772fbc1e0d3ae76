// `npm run bench`: runs every benchmark in its own process, one after the other (they would steal each
// other's cores), and prints one JSON object with each one's figures. Each benchmark measures its
// physical-limit baseline from ../shared/bench in the same run and reports a ratio to it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);
const benches = ['store', 'store-postgres', 'status', 'status-feed', 'status-build', 'series-answer', 'scheduler', 'metrics', 'rules', 'notify', 'otlp', 'dashboard', 'loop', 'crash-loop'].filter((name) => only.length === 0 || only.includes(name));
const results = {};
let failed = false;
for (const name of benches) {
  process.stderr.write(`bench ${name}…\n`);
  const run = spawnSync(process.execPath, [path.join(root, 'bench', `${name}.mjs`)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  try {
    results[name] = JSON.parse(line);
  } catch {
    failed = true;
    results[name] = { error: `exit ${run.status}; printed: ${run.stdout.slice(-500)}` };
  }
}
console.log(JSON.stringify({ node: process.version, cores: (await import('node:os')).cpus().length, ...results }, null, 2));
process.exit(failed ? 1 : 0);
