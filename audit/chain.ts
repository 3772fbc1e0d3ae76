// The audit log's hash chain: each row's hash covers the previous row's hash and the row itself, so
// editing, deleting or reordering a row breaks the chain at that row. Pure: no store, no clock.
import { createHash } from 'node:crypto';
import type { AuditEntry } from '../store/types.js';

/** The previous hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level, so one value has one text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A row's hash: sha256(prevHash + the canonical text of [seq, at, actor, action, target, detail]). */
export function auditHash(prevHash: string, row: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  const canonical = JSON.stringify([row.seq, row.at, row.actor, row.action, row.target, row.detail]);
  return createHash('sha256').update(prevHash + canonical).digest('hex');
}

/** One break in the chain, naming the row. */
export interface AuditProblem {
  readonly seq: number;
  readonly message: string;
}

/**
 * Checks rows read in seq order, continuing from `previous` (the last row of the page before; null at
 * the start). A row whose hash does not match its content was edited; a row that does not follow the
 * one before (seq gap, or its prevHash is not that row's hash) means rows were deleted or reordered.
 */
export function verifyAuditChain(rows: readonly AuditEntry[], previous: AuditEntry | null = null): AuditProblem[] {
  const problems: AuditProblem[] = [];
  let before = previous;
  for (const row of rows) {
    const expectedSeq = before === null ? 1 : before.seq + 1;
    const expectedPrev = before === null ? GENESIS_HASH : before.hash;
    if (row.seq !== expectedSeq) {
      problems.push({
        seq: row.seq,
        message:
          row.seq > expectedSeq
            ? `row ${row.seq} follows row ${expectedSeq - 1}: row${row.seq - expectedSeq > 1 ? `s ${expectedSeq}-${row.seq - 1} were` : ` ${expectedSeq} was`} deleted`
            : `row ${row.seq} is out of order after row ${before?.seq ?? 0}`,
      });
    } else if (row.prevHash !== expectedPrev) {
      problems.push({ seq: row.seq, message: `row ${row.seq} does not follow row ${before?.seq ?? 0} in the chain: rows were reordered, replaced or deleted` });
    }
    if (auditHash(row.prevHash, row) !== row.hash) problems.push({ seq: row.seq, message: `row ${row.seq} was edited: its hash does not match its content` });
    before = row;
  }
  return problems;
}
