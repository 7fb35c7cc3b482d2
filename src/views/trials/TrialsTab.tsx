import { useMemo } from 'react';
import { globalTrialIndex, type SubjectTrials } from '../../science/stimuli.ts';
import { useCaptions, useSubjectMetadata } from '../../state/stimuli.ts';
import { useExportSettings } from '../../state/export.ts';
import { useSelection } from '../../state/selection.ts';
import { useTableSets } from '../../state/trial-table.ts';
import { useViewer } from '../../state/viewer.ts';
import { ErrorNotice, Spinner } from '../common/ErrorNotice.tsx';
import { StimulusTools } from '../viewer/StimulusTools.tsx';
import { StimulusPanel } from './StimulusPanel.tsx';
import { TrialTable } from './TrialTable.tsx';

/**
 * The subject's trials (laion_fmri `Subject.metadata`) and the stimulus of the
 * selected one. The selection IS the viewer's betas trial (session + trial
 * within it), so choosing a row here moves the brain viewer and vice versa.
 */
export function TrialsTab({ subject }: { subject: string }) {
  const trials = useSubjectMetadata(subject);
  const captions = useCaptions();
  const betasSession = useViewer((s) => s.betasSession);
  const trial = useViewer((s) => s.trial);
  const setViewer = useViewer((s) => s.set);
  const setTab = useSelection((s) => s.setTab);
  if (trials.error) return <ErrorNotice error={trials.error} title="Could not build the trial table" />;
  if (!trials.data) return <Spinner label={`Reading trial tables… ${trials.loaded} of ${trials.total || '?'} sessions`} />;
  const t = trials.data;
  if (t.rows.length === 0) return <p className="empty">{subject} has no public sessions with a trial table.</p>;
  const session = betasSession ?? t.sessions[0];
  const selected = globalTrialIndex(t, session, trial);
  const row = selected >= 0 ? t.rows[selected] : null;
  return (
    <div className="trials-tab">
      <div className="trials-left">
        {t.unmatched > 0 && (
          <p className="notice notice-warn notice-compact" role="status">
            {t.unmatched.toLocaleString('en')} trials name images that task-images_metadata.csv does not list (marked “?”).
          </p>
        )}
        <TrialTable
          subject={subject}
          trials={t}
          captions={captions.data}
          selected={selected}
          onSelect={(g) => setViewer({ betasSession: t.rows[g].session, trial: t.rows[g].session_trial })}
          onUse={(kind, list, label) => {
            if (kind === 'map') useTableSets.getState().add(subject, { kind: 'trials', indices: list, label }, true);
            // The export reads the chosen sessions: those the trials lie in.
            else useExportSettings.getState().set({ trials: list, trialsLabel: label, sessions: [...new Set(list.map((g) => t.rows[g].session))].sort(), open: true });
            // Both live next to the brain.
            setTab('viewer');
          }}
        />
      </div>
      <div className="trials-right">
        {row && (
          <p className="layer-note" data-testid="selected-trial">
            Trial {selected} · {row.session} #{row.session_trial} · run {row.run}
          </p>
        )}
        {row && <Repeats trials={t} selected={selected} onSelect={(g) => setViewer({ betasSession: t.rows[g].session, trial: t.rows[g].session_trial })} />}
        <StimulusPanel imageName={row?.image_name ?? null} />
        {/* The viewer's nearest-stimuli tool: same selection (the betas trial), a picked neighbour selects its first trial. */}
        <StimulusTools subject={subject} />
      </div>
    </div>
  );
}

/** Every trial of the selected trial's image (its repeats across sessions), as links. */
function Repeats({ trials, selected, onSelect }: { trials: SubjectTrials; selected: number; onSelect(g: number): void }) {
  const name = trials.rows[selected].image_name;
  const repeats = useMemo(() => trials.rows.flatMap((r, g) => (r.image_name === name ? [g] : [])), [trials, name]);
  return (
    <p className="layer-note repeats" data-testid="repeats">
      {repeats.length === 1 ? 'Shown once.' : `Shown ${repeats.length} times:`}{' '}
      {repeats.length > 1 &&
        repeats.map((g) => (
          <button key={g} className="link" aria-current={g === selected} onClick={() => onSelect(g)} disabled={g === selected}>
            {trials.rows[g].session} #{trials.rows[g].session_trial}
          </button>
        ))}
    </p>
  );
}
