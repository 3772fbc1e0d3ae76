// A series query's answer as JSON text, the same bytes on every engine.
import type { EncodedSeriesQueryResult, Resolution, SeriesQueryResult, SeriesResult } from './types.js';

/** Points serialized between two pauses: ~2 ms of stringify on the machines Vigil is measured on. */
const POINTS_PER_SLICE = 20_000;

/** The answer's series as JSON text, one series at a time. */
class SeriesJsonWriter {
  readonly #parts: string[] = [];

  readonly add = (series: SeriesResult): void => {
    this.#parts.push(JSON.stringify({ labels: series.labels, points: series.points }));
  };

  finish(resolution: Resolution, rowsScanned: number): EncodedSeriesQueryResult {
    // TextEncoder gives the text its own ArrayBuffer (Buffer.from may share a pool), so a reader thread
    // can transfer it instead of copying.
    const seriesJson = new TextEncoder().encode(`[${this.#parts.join(',')}]`);
    return { resolution, seriesJson, seriesCount: this.#parts.length, rowsScanned };
  }
}

/**
 * A query answered straight to JSON: `read` runs it with an `onSeries` (see runSeriesQuery) that makes
 * each series text as soon as it is made, so its points can be collected before the next is read.
 */
export async function answerAsJson(read: (onSeries: (series: SeriesResult) => void) => Promise<SeriesQueryResult>): Promise<EncodedSeriesQueryResult> {
  const writer = new SeriesJsonWriter();
  const result = await read(writer.add);
  return writer.finish(result.resolution, result.rowsScanned);
}

/**
 * Serializes the series of a query result. `pause` runs between slices of ~20,000 points: on the main
 * thread it yields to the event loop (PostgreSQL answers there).
 */
export async function encodeSeriesResult(result: SeriesQueryResult, pause?: () => Promise<void>): Promise<EncodedSeriesQueryResult> {
  const writer = new SeriesJsonWriter();
  let sinceSlice = 0;
  for (const series of result.series) {
    writer.add(series);
    sinceSlice += series.points.length;
    if (pause && sinceSlice >= POINTS_PER_SLICE) {
      sinceSlice = 0;
      await pause();
    }
  }
  return writer.finish(result.resolution, result.rowsScanned);
}
