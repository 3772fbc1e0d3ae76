import { describe, expect, it } from 'vitest';
import { isDiskFullError } from '../../store/disk-full.js';

describe('a store write refused for lack of disk space', () => {
  it.each([
    ['SQLite SQLITE_FULL', Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), true],
    ['SQLite I/O error caused by ENOSPC', Object.assign(new Error('disk I/O error: No space left on device'), { code: 'SQLITE_IOERR_WRITE' }), true],
    ['PostgreSQL disk_full (53100)', Object.assign(new Error('could not extend file "base/16384/2619": No space left on device'), { code: '53100' }), true],
    ['an ENOSPC from the file system', Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }), true],
    ['a locked database', Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }), false],
    ['PostgreSQL connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), false],
    ['not an error', 'disk full', false],
  ])('%s', (_name, error, full) => {
    expect(isDiskFullError(error)).toBe(full);
  });
});
