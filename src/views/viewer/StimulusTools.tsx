import { useCallback, useState } from 'react';
import { useViewer } from '../../state/viewer.ts';
import { useSubjectTrials } from '../../state/subject-trials.ts';
import { NearestStimuli } from '../stimuli/NearestStimuli.tsx';
import { CollapsedPanel } from './CollapsedPanel.tsx';

/**
 * Stimulus tools next to the brain: the nearest stimuli of the current
 * trial's image. Picking a neighbour shows its neighbours in turn, and moves
 * to its first trial when the subject saw it.
 */
export function StimulusTools({ subject }: { subject: string }) {
  // Closed until asked for: opening loads an embeddings file and the worker's HDF5 reader.
  const [open, setOpen] = useState(false);
  if (!open) return <CollapsedPanel title="Nearest stimuli" onOpen={() => setOpen(true)} testId="nearest-stimuli-closed" />;
  return <NearestOfTrial subject={subject} />;
}

function NearestOfTrial({ subject }: { subject: string }) {
  const v = useViewer();
  const trials = useSubjectTrials(subject);
  const session = v.betasSession ?? trials.data?.sessions[0]?.id ?? null;
  const block = trials.data?.sessions.find((s) => s.id === session);
  const trialImage = block && trials.data ? (trials.data.rows[block.start + Math.min(v.trial, block.count - 1)]?.label ?? null) : null;
  // A picked image wins until the trial changes.
  const [picked, setPicked] = useState<{ name: string; from: string | null } | null>(null);
  const image = picked && picked.from === trialImage ? picked.name : trialImage;
  const set = v.set;
  const onPick = useCallback(
    (name: string) => {
      const data = trials.data;
      if (!data) return;
      const g = data.rows.findIndex((r) => r.label === name);
      const s = data.sessions.find((x) => g >= x.start && g < x.start + x.count);
      if (s) {
        setPicked(null);
        set({ betasSession: s.id, trial: g - s.start });
      } else setPicked({ name, from: trialImage });
    },
    [trials.data, set, trialImage],
  );
  return <NearestStimuli subject={subject} imageName={image} onPick={onPick} />;
}
