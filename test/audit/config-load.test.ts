// The config.load audit row of each start: the config's hash beside the last load's, and a start that
// goes on (recorded as changed, with why) when the last load's row cannot be read.
import { describe, expect, it } from 'vitest';
import { CONFIG_LOAD_ACTION, recordConfigLoad } from '../../audit/config-load.js';
import type { AuditEntry, NewAuditEntry } from '../../store/types.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

/** An audit log holding `details` as its config.load rows (seq 1, 2, …); appends are kept. */
function auditWith(details: string[]) {
  const appended: NewAuditEntry[] = [];
  const rows: AuditEntry[] = details.map((detail, i) => ({ seq: i + 1, at: i, actor: 'vigil serve', action: CONFIG_LOAD_ACTION, target: 'vigil.yaml', detail, prevHash: '0'.repeat(64), hash: '0'.repeat(64) }));
  return {
    appended,
    audit: {
      lastOf: async () => rows[rows.length - 1] ?? null,
      append: async (entry: NewAuditEntry) => {
        appended.push(entry);
        return { ...rows[0]!, ...entry, seq: rows.length + 1, detail: JSON.stringify(entry.detail) };
      },
    },
  };
}

describe('recording a config load', () => {
  it.each([
    ['the first load', [], { previousSha256: null, changed: true }],
    ['the same config again', [JSON.stringify({ sha256: A })], { previousSha256: A, changed: false }],
    ['a changed config', [JSON.stringify({ sha256: B })], { previousSha256: B, changed: true }],
  ])('records %s', async (_name, details, expected) => {
    const { audit, appended } = auditWith(details);
    await recordConfigLoad(audit, 'vigil.yaml', A, 100);
    expect(appended).toEqual([{ at: 100, actor: 'vigil serve', action: CONFIG_LOAD_ACTION, target: 'vigil.yaml', detail: { path: 'vigil.yaml', sha256: A, ...expected } }]);
  });

  it.each([
    ['is not JSON', '{"sha256":', 'audit row 1: detail is not valid JSON'],
    ['has no hash', JSON.stringify({ sha: A }), 'audit row 1: detail.sha256: expected a string'],
    ['is not an object', 'null', 'audit row 1: detail.sha256: expected a string'],
  ])('goes on when the last load\'s row %s, recorded as changed with why', async (_name, detail, problem) => {
    const { audit, appended } = auditWith([detail]);
    await recordConfigLoad(audit, 'vigil.yaml', A, 100);
    expect(appended[0]!.detail).toEqual({ path: 'vigil.yaml', sha256: A, previousSha256: null, changed: true, previousUnreadable: problem });
  });
});
