/**
 * Download rate and decode rate, measured separately, so a user sees which
 * one holds a pass back. In steady state both move the same bytes (the
 * decoder can only eat what arrives, and the download waits for the decoder),
 * so each is measured over the time it was actually working:
 * - download rate: bytes received / time with a request in flight;
 * - decode rate: compressed bytes consumed / time the decoder was not waiting
 *   for input (it was inflating, gathering, writing).
 * Both over a sliding window, in bytes per second.
 */
export interface LinkSample {
  /** ms (performance.now()). */
  t: number;
  downloaded: number;
  consumed: number;
  networkBusyMs: number;
  starvedMs: number;
}

export interface LinkRates {
  downloadRate: number;
  decodeRate: number;
  /** Which of the two limits the pass, when one clearly does (15 % apart). */
  bottleneck: 'download' | 'decode' | null;
}

export class LinkRateWindow {
  private readonly samples: LinkSample[] = [];
  constructor(private readonly windowMs = 3000) {}

  push(s: LinkSample): LinkRates {
    this.samples.push(s);
    while (this.samples.length > 2 && s.t - this.samples[1].t >= this.windowMs) this.samples.shift();
    return linkRates(this.samples[0], s);
  }
}

export function linkRates(a: LinkSample, b: LinkSample): LinkRates {
  const busy = b.networkBusyMs - a.networkBusyMs;
  const working = b.t - a.t - (b.starvedMs - a.starvedMs);
  const downloadRate = busy > 0 ? ((b.downloaded - a.downloaded) / busy) * 1000 : 0;
  const decodeRate = working > 0 ? ((b.consumed - a.consumed) / working) * 1000 : 0;
  const bottleneck = !downloadRate || !decodeRate ? null : downloadRate < decodeRate * 0.85 ? 'download' : decodeRate < downloadRate * 0.85 ? 'decode' : null;
  return { downloadRate, decodeRate, bottleneck };
}
