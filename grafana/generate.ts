// Writes grafana/dashboards/*.json from grafana/dashboards.ts: `npm run grafana`.
import fs from 'node:fs';
import path from 'node:path';
import { dashboardFiles } from './dashboards.js';

const dir = path.join(import.meta.dirname, 'dashboards');
fs.mkdirSync(dir, { recursive: true });
for (const { file, text } of dashboardFiles()) {
  fs.writeFileSync(path.join(dir, file), text);
  console.log(`wrote grafana/dashboards/${file}`);
}
