import { describe, expect, it } from 'vitest';
import { RAW_RANGE_SQL, rollupRangeSql } from '../../store/sqlite/core.js';
import { incidentListQuery } from '../../store/incident-filter.js';
import { openDatabase } from '../../store/sqlite/db.js';
import { ACTIVE_INCIDENTS_SQL, LATEST_BY_FINGERPRINT_SQL, SQLITE_DIALECT } from '../../store/sqlite/incidents.js';
import { DELETE_OLD_SAMPLES_SQL } from '../../store/sqlite/retention.js';
import { FOLD_RAW_CHUNK_SQL, MERGE_MINUTES_CHUNK_SQL, registerHistogramFunctions } from '../../store/sqlite/rollups.js';
import { tempDbPath } from '../helpers/temp-db.js';

function plan(sql: string, params: unknown[] | Record<string, unknown>): string[] {
  const db = openDatabase(tempDbPath());
  registerHistogramFunctions(db);
  try {
    const statement = db.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`);
    return (Array.isArray(params) ? statement.all(...params) : statement.all(params)).map((row) => row.detail);
  } finally {
    db.close();
  }
}

/** Every step that touches one of `tables` is a primary-key search, never a scan. */
function expectKeySearchesOnly(steps: string[], aliases: string[]): void {
  const touching = steps.filter((step) => aliases.some((alias) => new RegExp(`^(SCAN|SEARCH) ${alias}\\b`).test(step)));
  expect(touching.length, steps.join('\n')).toBeGreaterThan(0);
  for (const step of touching) expect(step).toMatch(/^SEARCH \w+ USING PRIMARY KEY \(series_id=\?/);
}

describe('SQLite query plans of the hot queries', () => {
  it('read a raw range with a primary-key search', () => {
    const steps = plan(RAW_RANGE_SQL, [1, 0, 1, 100]);
    expectKeySearchesOnly(steps, ['samples']);
    expect(steps.join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  it.each(['rollup_1m', 'rollup_1h'] as const)('read a %s range with a primary-key search', (table) => {
    for (const columns of ['stats', 'hist'] as const) {
      const steps = plan(rollupRangeSql(table, columns), [1, 0, 1, 100]);
      expectKeySearchesOnly(steps, [table]);
      expect(steps.join('\n')).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
    }
  });

  it('fold a chunk of series into 1m rollups with one key range per series, not a scan of samples', () => {
    const steps = plan(FOLD_RAW_CHUNK_SQL, { after: 0, through: 2000, from: 0, to: 60_000 });
    expectKeySearchesOnly(steps, ['r', 'l']);
    expect(steps.some((step) => /^SEARCH s USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/.test(step)), steps.join('\n')).toBe(true);
  });

  it('merge a chunk of 1m rows into their hours with key searches, in key order without a sort', () => {
    const steps = plan(MERGE_MINUTES_CHUNK_SQL, { after: 0, through: 2000, from: 0, to: 60_000 });
    expectKeySearchesOnly(steps, ['m']);
    expect(steps.some((step) => /^SEARCH s USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/.test(step)), steps.join('\n')).toBe(true);
    expect(steps.join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  it('find old raw samples for retention with key searches, not a scan of samples', () => {
    expectKeySearchesOnly(plan(DELETE_OLD_SAMPLES_SQL, { cutoff: 0, limit: 10 }), ['samples', 'r']);
  });
});

describe('SQLite query plans of the alerting queries', () => {
  it("find a fingerprint's newest incident through its index, without a sort", () => {
    const steps = plan(LATEST_BY_FINGERPRINT_SQL, ['CheckDown/prod/api']);
    expect(steps.join('\n')).toMatch(/SEARCH incidents USING INDEX incidents_by_fingerprint \(fingerprint=\?\)/);
    expect(steps.join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  it('read the active incidents from the partial index, not a scan of every incident', () => {
    const steps = plan(ACTIVE_INCIDENTS_SQL, []);
    expect(steps.join('\n')).toMatch(/incidents USING INDEX incidents_active/);
    expect(steps.join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  it('answer an incident list for a time range from the opened_at index', () => {
    const query = incidentListQuery({ from: 0, to: 60_000, limit: 50 }, SQLITE_DIALECT);
    expect(plan(query.sql, query.values).join('\n')).toMatch(/SEARCH incidents USING INDEX incidents_by_opened_at \(opened_at>\? AND opened_at<\?\)/);
  });
});
