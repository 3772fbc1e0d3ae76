// History for a benchmark's series queries: one sample a minute per series over the last `days`, written
// through the SQLite store and folded into rollups, so a server started on a copy of the file answers a
// 7-day query from 1m rollups as it would after a week of running.
const dist = (p) => new URL(`../../dist/${p}`, import.meta.url).href;

/** Seeds `file` with `metric` for each of `labelSets`; returns what was written and how long it took. */
export async function seedHistory(file, { days, metric, labelSets }) {
  const { openSqliteStore } = await import(dist('store/sqlite/sqlite-store.js'));
  const store = await openSqliteStore(file, { readers: 1 });
  const started = Date.now();
  // From an hour inside the raw retention (so the server's first retention pass deletes nothing) to two
  // minutes ago (so the server's own samples land after the folded minutes).
  const from = Math.floor((started - days * 86_400_000) / 60_000) * 60_000 + 3_600_000;
  const to = Math.floor(started / 60_000) * 60_000 - 120_000;
  let samples = 0;
  try {
    for (let hour = from; hour < to; hour += 3_600_000) {
      const batch = [];
      for (let ts = hour; ts < Math.min(hour + 3_600_000, to); ts += 60_000) {
        labelSets.forEach((labels, i) => {
          batch.push({ name: metric, labels, ts: ts + 7_000 + i * 100, value: 0.002 + ((ts / 60_000 + i) % 17) / 1000 });
        });
      }
      samples += batch.length;
      if (batch.length > 0) await store.samples.append(batch);
    }
    while ((await store.samples.rollUp(to)).more);
  } finally {
    await store.close();
  }
  return { days, series: labelSets.length, samples, seedSeconds: +((Date.now() - started) / 1000).toFixed(1) };
}
