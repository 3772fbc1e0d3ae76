// The batches between the scheduler's thread and a probe worker: at 40,000 checks the scheduler starts
// runs every millisecond, and a message per millisecond each way cost the main thread more than the
// runs' own bookkeeping. MessageWindow holds it to one message per window without delaying a lone run.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MESSAGE_WINDOW_MS, MessageWindow } from '../../probes/probe-worker-protocol.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('MessageWindow', () => {
  it('sends a lone request at the end of the current task, not a window later', async () => {
    const sent: number[] = [];
    const window = new MessageWindow(() => sent.push(performance.now()));
    window.request();
    expect(sent).toEqual([]);
    await Promise.resolve();
    expect(sent).toHaveLength(1);
  });

  it('folds requests inside a window into one send at its end', async () => {
    const sent: number[] = [];
    const window = new MessageWindow(() => sent.push(performance.now()));
    window.request();
    await Promise.resolve();
    const first = sent[0];
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(1);
      window.request();
    }
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(MESSAGE_WINDOW_MS);
    expect(sent).toHaveLength(2);
    expect(sent[1] - first).toBe(MESSAGE_WINDOW_MS);
  });

  it('sends runs started every millisecond at most once a window, and never drops the last', async () => {
    let gathered = 0;
    const batches: number[] = [];
    const window = new MessageWindow(() => {
      batches.push(gathered);
      gathered = 0;
    });
    for (let ms = 0; ms < 1_000; ms++) {
      gathered++;
      window.request();
      await Promise.resolve();
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(MESSAGE_WINDOW_MS);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(1_000);
    expect(batches.length).toBeLessThanOrEqual(1_000 / MESSAGE_WINDOW_MS + 1);
    expect(batches.length).toBeGreaterThanOrEqual(1_000 / MESSAGE_WINDOW_MS - 1);
  });

  it('drops a waiting send when cancelled (the thread is closing)', async () => {
    const sent: number[] = [];
    const window = new MessageWindow(() => sent.push(performance.now()));
    window.request();
    await Promise.resolve();
    window.request();
    window.cancel();
    vi.advanceTimersByTime(MESSAGE_WINDOW_MS * 2);
    expect(sent).toHaveLength(1);
  });
});
