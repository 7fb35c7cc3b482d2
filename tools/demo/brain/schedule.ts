/**
 * Trial schedules and the trial TSV (bucket-layout.md §4, §8).
 *
 * Per public session: every shared 12rep image 3x (never twice in one run),
 * every shared 4rep image and every one of the subject's unique images 1x,
 * spread over 12 runs and shuffled. Then a few trials are dropped (a
 * different number per session, each from a different image), so T differs
 * between sessions and 8 images per subject end up one repetition short, as
 * in the real data. The held-out ses-31 is a smaller session (every 12rep
 * image 2x, plus a few 4rep and unique images).
 */
import { glmKeys, sidecarKey } from '../../../src/data/layout.ts';
import { type DemoSubject, HELD_OUT_SESSIONS, PUBLIC_SESSIONS, RUNS_PER_SESSION, type StimulusImage } from '../catalog.ts';
import type { DemoContext } from '../context.ts';
import type { Rng } from '../rng.ts';

export interface Trial {
  /** 1..12 */
  run: number;
  image: StimulusImage;
}

export interface SessionSchedule {
  session: string;
  heldOut: boolean;
  /** Row order = beta_index = volume index. */
  trials: Trial[];
}

/** How many trials each public session loses; distinct values so every session has its own T. Sum = 8 images one repeat short. */
const DROPS_PER_SESSION = [0, 1, 3, 4];

/** Places (image, copies) into runs: copies of one image in distinct runs, runs filled evenly, order shuffled. */
function fillRuns(rng: Rng, items: Array<{ image: StimulusImage; copies: number }>): Trial[] {
  const total = items.reduce((s, it) => s + it.copies, 0);
  const capacity = Array.from({ length: RUNS_PER_SESSION }, (_, r) => Math.floor(total / RUNS_PER_SESSION) + (r < total % RUNS_PER_SESSION ? 1 : 0));
  const runs: StimulusImage[][] = Array.from({ length: RUNS_PER_SESSION }, () => []);
  // Repeated images first (most constrained), each copy into a different run with free capacity.
  const ordered = rng.shuffle([...items]).sort((a, b) => b.copies - a.copies);
  for (const { image, copies } of ordered) {
    const free = rng
      .shuffle(runs.map((_, r) => r))
      .filter((r) => runs[r].length < capacity[r])
      .sort((a, b) => capacity[b] - runs[b].length - (capacity[a] - runs[a].length));
    if (free.length < copies) throw new Error(`cannot place ${copies} copies of ${image.name} in distinct runs`);
    for (let c = 0; c < copies; c++) runs[free[c]].push(image);
  }
  const trials: Trial[] = [];
  runs.forEach((list, r) => rng.shuffle(list).forEach((image) => trials.push({ run: r + 1, image })));
  return trials;
}

export function buildSchedules(ctx: DemoContext, sub: DemoSubject): SessionSchedule[] {
  const { shared, unique } = ctx.catalog;
  const twelve = shared.filter((s) => s.nReps === 12);
  const four = shared.filter((s) => s.nReps === 4);
  const own = unique[sub];
  const rngDrops = ctx.rng(`schedule/${sub}/drops`);
  const drops = rngDrops.shuffle([...DROPS_PER_SESSION]);
  const alreadyShort = new Set<string>();
  const out: SessionSchedule[] = [];

  PUBLIC_SESSIONS.forEach((session, s) => {
    const rng = ctx.rng(`schedule/${sub}/${session}`);
    const items = [...twelve.map((image) => ({ image, copies: 3 })), ...[...four, ...own].map((image) => ({ image, copies: 1 }))];
    const trials = fillRuns(rng, items);
    // Dropped trials: each from an image that has not lost a trial in another session.
    for (let d = 0; d < drops[s]; d++) {
      const candidates = trials.map((_t, i) => i).filter((i) => !alreadyShort.has(trials[i].image.name));
      const victim = candidates[Math.floor(rngDrops.next() * candidates.length)];
      alreadyShort.add(trials[victim].image.name);
      trials.splice(victim, 1);
    }
    out.push({ session, heldOut: false, trials });
  });

  for (const session of HELD_OUT_SESSIONS) {
    const rng = ctx.rng(`schedule/${sub}/${session}`);
    const items = [
      ...twelve.map((image) => ({ image, copies: 2 })),
      ...rng.shuffle([...four]).slice(0, 8).map((image) => ({ image, copies: 1 })),
      ...rng.shuffle([...own]).slice(0, 8).map((image) => ({ image, copies: 1 })),
    ];
    out.push({ session, heldOut: true, trials: fillRuns(rng, items) });
  }
  return out;
}

export function trialTsv(s: SessionSchedule): string {
  const rows = s.trials.map((t, i) => `${s.session}\t${t.run}\t${i}\t${t.image.name}`);
  return ['session\trun\tbeta_index\tlabel', ...rows].join('\n') + '\n';
}

export function writeTrialTable(ctx: DemoContext, sub: string, s: SessionSchedule): void {
  const key = glmKeys.trials(sub, s.session);
  ctx.put(key, trialTsv(s));
  const sidecar = {
    Description: 'One row per single-trial beta, in the order of the 4th axis of the SingletrialBetas statmap. Blank trials are not listed.',
    session: { Description: 'Session label' },
    run: { Description: 'Run within the session (1-12)' },
    beta_index: { Description: 'Index of the trial volume in the betas file (0-based); equals the row number' },
    label: { Description: 'Image file name; joins to image_name in stimuli/task-images_metadata.csv' },
  };
  ctx.put(sidecarKey(key), JSON.stringify(sidecar, null, 2) + '\n');
}
