import { useEffect, useMemo } from 'react';
import { useSelection } from '../../state/selection.ts';
import { useSubjects } from '../../state/queries.ts';
import { ErrorNotice, Spinner } from '../common/ErrorNotice.tsx';

/** Subjects found by listing the bucket; ↑/↓ (or j/k) move between them. */
export function SubjectList({ enabled }: { enabled: boolean }) {
  const subjects = useSubjects(enabled);
  const subject = useSelection((s) => s.subject);
  const setSubject = useSelection((s) => s.setSubject);
  const ids = useMemo(() => subjects.data?.map((s) => s.id) ?? [], [subjects.data]);

  useEffect(() => {
    if (!ids.length) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement || e.metaKey || e.ctrlKey || e.altKey) return;
      const step = e.key === 'ArrowDown' || e.key === 'j' ? 1 : e.key === 'ArrowUp' || e.key === 'k' ? -1 : 0;
      if (!step) return;
      const i = subject ? ids.indexOf(subject) : -1;
      const next = ids[Math.min(ids.length - 1, Math.max(0, i + step))];
      if (next && next !== subject) {
        e.preventDefault();
        setSubject(next);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [ids, subject, setSubject]);

  if (!enabled) return null;
  if (subjects.isPending) return <Spinner label="Listing subjects…" />;
  if (subjects.isError) return <ErrorNotice error={subjects.error} title="Could not list subjects" compact />;
  if (!subjects.data.length) return <p className="empty">No <code>sub-*</code> folders under derivatives/ in this bucket.</p>;
  return (
    <nav aria-label="Subjects">
      <h2 className="side-heading">Subjects <span className="count">{subjects.data.length}</span></h2>
      <ul className="subject-list">
        {subjects.data.map((s) => (
          <li key={s.id}>
            <button className={s.id === subject ? 'active' : ''} aria-current={s.id === subject} onClick={() => setSubject(s.id)} data-subject={s.id}>
              <span className="subject-id">{s.id}</span>
              <span className="subject-meta">{s.foundIn.length} of 4 derivative folders</span>
            </button>
          </li>
        ))}
      </ul>
      <p className="kbd-hint">
        <kbd>j</kbd>/<kbd>k</kbd> or <kbd>↑</kbd>/<kbd>↓</kbd> to switch subject
      </p>
    </nav>
  );
}
