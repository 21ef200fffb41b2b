import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RetryNow, runLoop } from '../src/runtime/run-loop.ts';

// Fake timers and a fixed random: the properties are about which sleeps run out and which are
// cut short, so the clock is stepped by hand (nothing waits for real time) and every backoff is
// half its ceiling (full jitter with random() = 0.5).
const HOUR = 3_600_000;

/** A body that fails while `failing()` and counts its calls. */
function flakyBody(failing: () => boolean) {
  const calls = { count: 0 };
  const body = async () => {
    calls.count += 1;
    if (failing()) throw new Error('collector down');
  };
  return { calls, body };
}

describe('runLoop', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('retries at once on retry() while backing off, once per retry()', async () => {
    const controller = new AbortController();
    const retryNow = new RetryNow();
    const { calls, body } = flakyBody(() => true);
    const done = runLoop(body, {
      signal: controller.signal,
      intervalMs: HOUR,
      backoffBaseMs: HOUR, // no backoff runs out within this test: only retry() can start an attempt
      backoffMaxMs: HOUR,
      retryNow,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.count).toBe(1);

    retryNow.retry();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.count).toBe(2);

    // The retry failed too: the loop backs off again instead of spinning.
    await vi.advanceTimersByTimeAsync(50); // below the 100 ms floor of any backoff
    expect(calls.count).toBe(2);

    // Several retry() calls during one backoff still buy a single attempt.
    retryNow.retry();
    retryNow.retry();
    await vi.advanceTimersByTimeAsync(50);
    expect(calls.count).toBe(3);

    controller.abort();
    await done;
  });

  it('keeps a retry() that arrives during a failing attempt for the backoff after it', async () => {
    const controller = new AbortController();
    const retryNow = new RetryNow();
    const calls = { count: 0 };
    const done = runLoop(
      async () => {
        calls.count += 1;
        // The second attempt is in flight when the service answers elsewhere; it fails anyway.
        if (calls.count === 2) retryNow.retry();
        throw new Error('collector down');
      },
      { signal: controller.signal, intervalMs: HOUR, backoffBaseMs: HOUR, backoffMaxMs: HOUR, retryNow },
    );
    await vi.advanceTimersByTimeAsync(0);
    retryNow.retry();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.count).toBe(3);
    await vi.advanceTimersByTimeAsync(50);
    expect(calls.count).toBe(3);
    controller.abort();
    await done;
  });

  it('ignores retry() while healthy: it neither shortens the interval nor skips a later backoff', async () => {
    const controller = new AbortController();
    const retryNow = new RetryNow();
    let failing = false;
    const { calls, body } = flakyBody(() => failing);
    const done = runLoop(body, {
      signal: controller.signal,
      intervalMs: 1000,
      backoffBaseMs: HOUR,
      backoffMaxMs: HOUR,
      retryNow,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.count).toBe(1);
    retryNow.retry();
    await vi.advanceTimersByTimeAsync(500);
    expect(calls.count).toBe(1);

    failing = true;
    await vi.advanceTimersByTimeAsync(500);
    expect(calls.count).toBe(2); // the interval ran out; this attempt failed
    await vi.advanceTimersByTimeAsync(50);
    expect(calls.count).toBe(2); // the earlier retry() was not remembered

    // The service is back: one retry() ends the backoff and the loop is on its interval again.
    failing = false;
    retryNow.retry();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.count).toBe(3);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls.count).toBe(4);
    controller.abort();
    await done;
  });

  it('stops during a backoff when aborted, and unsubscribes', async () => {
    const controller = new AbortController();
    const retryNow = new RetryNow();
    const { calls, body } = flakyBody(() => true);
    const done = runLoop(body, {
      signal: controller.signal,
      intervalMs: HOUR,
      backoffBaseMs: HOUR,
      backoffMaxMs: HOUR,
      retryNow,
    });
    await vi.advanceTimersByTimeAsync(0);
    controller.abort();
    await done;
    retryNow.retry();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.count).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('without retryNow backs off as before and resets the backoff after a success', async () => {
    const controller = new AbortController();
    let failing = true;
    const errors: number[] = [];
    const { calls, body } = flakyBody(() => failing);
    const done = runLoop(body, {
      signal: controller.signal,
      intervalMs: HOUR,
      backoffBaseMs: 1000,
      backoffMaxMs: 1000,
      onError: (_error, attempt) => errors.push(attempt),
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.count).toBe(1);
    await vi.advanceTimersByTimeAsync(499); // every backoff is 500 ms here
    expect(calls.count).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.count).toBe(2);
    failing = false;
    await vi.advanceTimersByTimeAsync(500);
    expect(calls.count).toBe(3); // succeeded: the next attempt is an interval away
    failing = true;
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(calls.count).toBe(4);
    expect(errors).toEqual([1, 2, 1]); // the success reset the backoff
    controller.abort();
    await done;
  });
});
