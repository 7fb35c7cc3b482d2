import { describe, expect, it } from 'vitest';
import { JobQueue, PRIORITY } from '../../src/jobs/queue.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('JobQueue', () => {
  it('never runs more than the limit per lane; lanes are independent', async () => {
    const q = new JobQueue(2);
    const gates = Array.from({ length: 6 }, deferred);
    let running = 0;
    let peak = 0;
    const jobs = gates.map((g, i) =>
      q.run(i < 4 ? 'a' : 'b', async () => {
        running++;
        peak = Math.max(peak, running);
        await g.promise;
        running--;
        return i;
      }),
    );
    await Promise.resolve();
    expect(running).toBe(4); // 2 in lane a, 2 in lane b
    expect(q.waiting('a')).toBe(2);
    gates.forEach((g) => g.resolve());
    expect(await Promise.all(jobs)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(q.peak.get('a')).toBe(2);
    expect(q.peak.get('b')).toBe(2);
  });

  it('starts waiting jobs by priority, then in arrival order', async () => {
    const q = new JobQueue(1);
    const order: string[] = [];
    const first = deferred();
    const run = (name: string, priority: number) =>
      q.run('e', async () => {
        order.push(name);
        if (name === 'first') await first.promise;
      }, { priority });
    const all = [run('first', PRIORITY.panel), run('bg1', PRIORITY.background), run('panel1', PRIORITY.panel), run('visible', PRIORITY.visible), run('bg2', PRIORITY.background), run('panel2', PRIORITY.panel)];
    first.resolve();
    await Promise.all(all);
    expect(order).toEqual(['first', 'visible', 'panel1', 'panel2', 'bg1', 'bg2']);
  });

  it('a job cancelled while waiting never starts and rejects with the abort reason', async () => {
    const q = new JobQueue(1);
    const gate = deferred();
    const started: string[] = [];
    const a = q.run('e', async () => {
      started.push('a');
      await gate.promise;
    });
    const c = new AbortController();
    const b = q.run('e', async () => void started.push('b'), { signal: c.signal });
    c.abort(new DOMException('moved on', 'AbortError'));
    await expect(b).rejects.toMatchObject({ name: 'AbortError', message: 'moved on' });
    gate.resolve();
    await a;
    expect(started).toEqual(['a']);
    expect(q.waiting('e')).toBe(0);
  });
});
