// A series query's answer as JSON text, the same bytes on every engine.
import type { EncodedSeriesQueryResult, SeriesQueryResult } from './types.js';

/** Points serialized between two pauses: ~2 ms of stringify on the machines Vigil is measured on. */
const POINTS_PER_SLICE = 20_000;

/**
 * Serializes the series of a query result. `pause` runs between slices of ~20,000 points: on the main
 * thread it yields to the event loop (PostgreSQL answers there); a reader thread passes none.
 */
export async function encodeSeriesResult(result: SeriesQueryResult, pause?: () => Promise<void>): Promise<EncodedSeriesQueryResult> {
  const parts: string[] = [];
  let sinceSlice = 0;
  for (const series of result.series) {
    parts.push(JSON.stringify({ labels: series.labels, points: series.points }));
    sinceSlice += series.points.length;
    if (pause && sinceSlice >= POINTS_PER_SLICE) {
      sinceSlice = 0;
      await pause();
    }
  }
  // TextEncoder gives the text its own ArrayBuffer (Buffer.from may share a pool), so a reader thread
  // can transfer it instead of copying.
  const seriesJson = new TextEncoder().encode(`[${parts.join(',')}]`);
  return { resolution: result.resolution, seriesJson, seriesCount: result.series.length, rowsScanned: result.rowsScanned };
}
