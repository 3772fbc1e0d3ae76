import { describe, expect, it } from 'vitest';
import { STOP_DEADLINE_MS, stopWithin } from '../../cli/shutdown.js';

describe('the bounded stop on SIGTERM', () => {
  it('gives a stop 10 s', () => {
    expect(STOP_DEADLINE_MS).toBe(10_000);
  });

  it('exits 0 once the stop finishes, saying how long it took', async () => {
    let t = 1_000;
    const outcome = await stopWithin(async () => void (t += 420), 50, () => t);
    expect(outcome).toEqual({ exitCode: 0, message: 'stopped in 420 ms', elapsedMs: 420 });
  });

  it('exits 2 at the deadline when the stop hangs, saying what is lost', async () => {
    const outcome = await stopWithin(() => new Promise<void>(() => {}), 20);
    expect(outcome.exitCode).toBe(2);
    expect(outcome.message).toMatch(/did not stop within 0.02 s.*exiting anyway.*samples not yet written are lost.*sent again after the next start/);
  });

  it('exits 1 when the stop fails, with its error', async () => {
    const outcome = await stopWithin(() => Promise.reject(new Error('store close failed')), 1_000);
    expect(outcome).toMatchObject({ exitCode: 1, message: 'error while stopping: store close failed' });
  });
});
