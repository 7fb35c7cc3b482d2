import { useState } from 'react';
import { QueryClient } from '@tanstack/react-query';
import { PersistQueryClientProvider } from '@tanstack/react-query-persist-client';
import { localStoragePersister, shouldPersist } from '../state/persist.ts';
import { SourcePicker } from '../views/source/SourcePicker.tsx';
import { SubjectList } from '../views/subjects/SubjectList.tsx';
import { SubjectOverview } from '../views/subjects/SubjectOverview.tsx';
import { ErrorNotice, Spinner } from '../views/common/ErrorNotice.tsx';
import { ProgressTray } from '../views/common/ProgressTray.tsx';
import { CacheButton } from '../views/cache/CachePanel.tsx';
import { useProbe, useSubjects } from '../state/queries.ts';
import { useSelection } from '../state/selection.ts';
import { useUrlBinding, type UrlRestoreReport } from '../state/urlState.ts';
import { APP_VERSION, DEMO_ENDPOINT, SOURCE_LABELS } from './config.ts';
import { usePresentation } from '../state/presentation.ts';

const persistOptions = {
  persister: localStoragePersister(),
  maxAge: 7 * 24 * 3600_000,
  buster: APP_VERSION,
  dehydrateOptions: { shouldDehydrateQuery: shouldPersist },
};

export function App({ restore }: { restore: UrlRestoreReport }) {
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { refetchOnWindowFocus: false, staleTime: 5 * 60_000 } } }));
  return (
    <PersistQueryClientProvider client={queryClient} persistOptions={persistOptions}>
      <Shell restore={restore} />
    </PersistQueryClientProvider>
  );
}

function Shell({ restore }: { restore: UrlRestoreReport }) {
  useUrlBinding();
  const probe = useProbe();
  const subject = useSelection((s) => s.subject);
  const [dismissed, setDismissed] = useState(false);
  const present = usePresentation((p) => p.present);
  return (
    <div className={present ? 'app present' : 'app'}>
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span>
            LAION-fMRI <strong>Explorer</strong>
          </span>
        </div>
        {!present && <SourcePicker />}
        {!present && <CacheButton />}
      </header>
      {restore.ignored.length > 0 && !dismissed && (
        <div className="notice notice-warn banner" role="status">
          The link asked for {restore.ignored.join('; ')}, which could not be restored.{' '}
          <button className="ghost" onClick={() => setDismissed(true)}>
            Dismiss
          </button>
        </div>
      )}
      <div className="layout">
        {!present && (
          <aside className="sidebar">
            <SubjectList enabled={!probe.isError} />
          </aside>
        )}
        <main className="main">
          <MainPanel subject={subject} />
        </main>
      </div>
      <ProgressTray />
    </div>
  );
}

function MainPanel({ subject }: { subject: string | null }) {
  const probe = useProbe();
  const source = useSelection((s) => s.source);
  // A subject named by the link starts loading at once, in parallel with the probe.
  if (probe.isPending && !subject) return <Spinner label={`Connecting to ${source.endpoint}…`} />;
  if (probe.isError) {
    return (
      <div className="welcome">
        <ErrorNotice error={probe.error} title={`Cannot read ${SOURCE_LABELS[source.kind].toLowerCase()}`} onRetry={() => probe.refetch()} />
        <div className="card help">
          <h2>What you can do</h2>
          <ul>
            <li>
              Work offline with the demo bucket: run <code>npm start</code>, which serves it at <code>{DEMO_ENDPOINT}</code>.
            </li>
            <li>
              Browse your own copy (the folder <code>laion_fmri</code> downloaded): <code>npm run bucket -- --root /path/to/laion_fmri_data</code>, then choose
              “Custom endpoint” with <code>http://127.0.0.1:9000/laion-fmri</code>.
            </li>
            <li>
              If the bucket does not allow reads from a web page (CORS), proxy it through the dev server:{' '}
              <code>npm run bucket -- --proxy https://laion-fmri.s3.us-west-2.amazonaws.com</code>, then use the custom endpoint{' '}
              <code>http://127.0.0.1:9000/laion-fmri</code>.
            </li>
          </ul>
        </div>
      </div>
    );
  }
  if (probe.isSuccess && !probe.data.looksLikeLaionFmri) {
    return (
      <div className="notice notice-warn" role="alert">
        {source.endpoint} is an S3 bucket, but it has none of the LAION-fMRI folders (derivatives/glmsingle-tedana, rois, anatomical, freesurfer). Top level:{' '}
        {probe.data.topLevel.slice(0, 8).join(', ') || 'empty'}.
      </div>
    );
  }
  if (!subject) {
    return (
      <div className="welcome">
        <h1>Explore LAION-fMRI</h1>
        <p>
          Single-trial 7T fMRI responses to 25,052 images, read straight from the bucket. Choose a subject on the left to see its sessions, ROIs and
          files.
        </p>
      </div>
    );
  }
  return <KnownSubject subject={subject} />;
}

/** A subject from a link may not exist in this bucket: say so instead of showing empty cards. */
function KnownSubject({ subject }: { subject: string }) {
  const subjects = useSubjects(true);
  if (subjects.isSuccess && !subjects.data.some((s) => s.id === subject)) {
    return (
      <div className="notice notice-warn" role="alert" data-testid="unknown-subject">
        There is no subject <code>{subject}</code> in this bucket. It has {subjects.data.map((s) => s.id).join(', ') || 'no subjects'}.
      </div>
    );
  }
  return <SubjectOverview key={subject} subject={subject} />;
}
