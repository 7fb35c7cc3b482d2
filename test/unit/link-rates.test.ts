import { describe, expect, it } from 'vitest';
import { LinkRateWindow, linkRates, type LinkSample } from '../../src/data/link-rates.ts';

const s = (t: number, downloaded: number, consumed: number, networkBusyMs: number, starvedMs: number): LinkSample => ({ t, downloaded, consumed, networkBusyMs, starvedMs });

describe('linkRates', () => {
  it('a slow link: the network is always busy, the decoder waits half the time', () => {
    // 1 s: 20 MB arrived and were consumed; the decoder waited 500 ms for them.
    const r = linkRates(s(0, 0, 0, 0, 0), s(1000, 20e6, 20e6, 1000, 500));
    expect(r.downloadRate).toBe(20e6);
    expect(r.decodeRate).toBe(40e6);
    expect(r.bottleneck).toBe('download');
  });

  it('a slow decoder: requests idle while the buffer is full, the decoder never waits', () => {
    const r = linkRates(s(0, 0, 0, 0, 0), s(2000, 100e6, 100e6, 1000, 0));
    expect(r.downloadRate).toBe(100e6);
    expect(r.decodeRate).toBe(50e6);
    expect(r.bottleneck).toBe('decode');
  });

  it('balanced, or no data yet: no bottleneck named', () => {
    expect(linkRates(s(0, 0, 0, 0, 0), s(1000, 50e6, 50e6, 1000, 50)).bottleneck).toBe(null);
    expect(linkRates(s(0, 0, 0, 0, 0), s(0, 0, 0, 0, 0))).toEqual({ downloadRate: 0, decodeRate: 0, bottleneck: null });
  });

  it('the window forgets what is older than its length', () => {
    const w = new LinkRateWindow(1000);
    w.push(s(0, 0, 0, 0, 0));
    w.push(s(500, 50e6, 50e6, 500, 0)); // fast at first: 100 MB/s
    w.push(s(1500, 60e6, 60e6, 1500, 0));
    const r = w.push(s(2500, 70e6, 70e6, 2500, 0)); // then 10 MB/s
    expect(r.downloadRate).toBe(10e6);
  });
});
