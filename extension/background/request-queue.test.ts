import { describe, expect, it } from 'vitest';
import { TokensignError } from '../../shared/protocol';
import { RequestQueue } from './request-queue';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const codeOf = (e: unknown) => (e instanceof TokensignError ? e.code : String(e));

describe('RequestQueue', () => {
  it('answers BUSY to a second request from the same tab while the first is pending', async () => {
    const queue = new RequestQueue();
    const first = deferred<string>();
    const owner = {};
    const a = queue.run(1, owner, () => first.promise);
    await expect(queue.run(1, owner, async () => 'second')).rejects.toSatisfy((e) => codeOf(e) === 'BUSY');
    first.resolve('first');
    await expect(a).resolves.toBe('first');
    // After the first one finished, the tab may ask again.
    await expect(queue.run(1, owner, async () => 'again')).resolves.toBe('again');
  });

  it('runs requests of different tabs one at a time, in arrival order', async () => {
    const queue = new RequestQueue();
    const order: string[] = [];
    const gates = [deferred<void>(), deferred<void>(), deferred<void>()];
    const runs = [1, 2, 3].map((tab, i) =>
      queue.run(tab, {}, async () => {
        order.push(`start ${tab}`);
        await gates[i]!.promise;
        order.push(`end ${tab}`);
        return tab;
      }),
    );
    await Promise.resolve();
    expect(order).toEqual(['start 1']);
    gates[2]!.resolve();
    gates[1]!.resolve();
    gates[0]!.resolve();
    await expect(Promise.all(runs)).resolves.toEqual([1, 2, 3]);
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('cancels a waiting request of a closed page without running it, and aborts a running one', async () => {
    const queue = new RequestQueue();
    const pageA = {};
    const pageB = {};
    let bRan = false;
    const a = queue.run(1, pageA, (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
    const b = queue.run(2, pageB, async () => {
      bRan = true;
      return 'b';
    });
    const c = queue.run(3, {}, async () => 'c');
    queue.cancelOwner(pageB);
    await expect(b).rejects.toSatisfy((e) => codeOf(e) === 'USER_CANCELLED');
    expect(queue.has(2)).toBe(false);
    queue.cancelOwner(pageA);
    await expect(a).rejects.toSatisfy((e) => codeOf(e) === 'USER_CANCELLED');
    await expect(c).resolves.toBe('c');
    expect(bRan).toBe(false);
    expect(queue.length).toBe(0);
  });

  it('frees the tab after a failed request', async () => {
    const queue = new RequestQueue();
    await expect(queue.run(7, {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(queue.has(7)).toBe(false);
    await expect(queue.run(7, {}, async () => 'ok')).resolves.toBe('ok');
  });
});
