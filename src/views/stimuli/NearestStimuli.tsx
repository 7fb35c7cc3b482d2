import { useMemo, useState } from 'react';
import { EMBEDDING_MODELS, stimuliKeys, type EmbeddingModel } from '../../data/layout.ts';
import { formatBytes } from '../../data/errors.ts';
import { useEmbeddingCoverage, useEmbeddings, useNearestStimuli } from '../../state/embeddings.ts';
import { useSubjectTrials } from '../../state/subject-trials.ts';
import { ErrorNotice, Spinner } from '../common/ErrorNotice.tsx';

const K = 10;

/**
 * The images nearest to `imageName` in a chosen model's embedding space
 * (cosine similarity, computed in the embeddings worker, joined by image
 * name). By default only images the subject saw are candidates.
 */
export function NearestStimuli({ subject, imageName, onPick }: { subject: string; imageName: string | null; onPick?: (name: string) => void }) {
  const [model, setModel] = useState<EmbeddingModel>('CLIP');
  const [onlySubject, setOnlySubject] = useState(true);
  const trials = useSubjectTrials(subject);
  const emb = useEmbeddings(model);
  const loaded = emb.isSuccess;
  const images = trials.data?.images;
  const listId = images ? `${subject}:${images.length}` : null;
  const coverage = useEmbeddingCoverage(model, loaded, listId, images);
  const restrict = useMemo(() => (onlySubject && images && listId ? { id: listId, names: images } : null), [onlySubject, images, listId]);
  const waitingForList = onlySubject && !restrict;
  const nn = useNearestStimuli(model, loaded && !waitingForList, imageName, K, restrict);
  const file = stimuliKeys.embeddings(model).split('/').pop();
  const c = coverage.data;

  return (
    <section className="layer nearest-stimuli" data-testid="nearest-stimuli">
      <h3>Nearest stimuli</h3>
      <div className="control-grid">
        <label htmlFor="nn-model">Model</label>
        <select id="nn-model" aria-label="Embedding model" value={model} onChange={(e) => setModel(e.target.value as EmbeddingModel)}>
          {EMBEDDING_MODELS.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
        <span />
      </div>
      <label className="layer-note">
        <input type="checkbox" checked={onlySubject} onChange={(e) => setOnlySubject(e.target.checked)} /> only images {subject} saw
      </label>
      {!imageName && <p className="layer-note">Pick a trial or an image to see its neighbours.</p>}
      {imageName && (
        <p className="layer-note">
          of <code>{imageName}</code>
        </p>
      )}
      {emb.isPending && <Spinner label={`Loading ${file}…`} />}
      {emb.isError && <ErrorNotice error={emb.error} compact onRetry={() => void emb.refetch()} />}
      {emb.data && (
        <p className="layer-note" data-testid="nn-file">
          {emb.data.n.toLocaleString('en')} images × {emb.data.dim} ({formatBytes(emb.data.size)}
          {emb.data.source === 'cache' ? ', from this browser' : ''}, ready in {Math.round(emb.data.ms)} ms)
        </p>
      )}
      {trials.error !== null && trials.error !== undefined && <ErrorNotice error={trials.error} compact />}
      {c && c.missingCount > 0 && (
        <div className="notice notice-error notice-compact" role="alert" data-testid="nn-coverage">
          <p className="notice-message">
            {file} has no vector for {c.missingCount} of the {c.total} images {subject} saw (e.g. {c.missing.slice(0, 2).join(', ')}): they are left out of the search.
          </p>
        </div>
      )}
      {c && c.unusableCount > 0 && (
        <p className="layer-note" data-testid="nn-unusable">
          {c.unusableCount} of {subject}'s images {c.unusableCount === 1 ? 'is' : 'are'} marked not valid in {file} and left out.
        </p>
      )}
      {nn.isError && <ErrorNotice error={nn.error} compact />}
      {nn.data && (
        <>
          <ol className="nn-list" data-testid="nn-list">
            {nn.data.neighbours.map((n) => (
              <li key={n.name}>
                <span className="nn-bar" style={{ width: `${Math.max(0, n.similarity) * 100}%` }} aria-hidden="true" />
                {onPick ? (
                  <button className="linklike" onClick={() => onPick(n.name)} title={n.name}>
                    {n.name}
                  </button>
                ) : (
                  <span title={n.name}>{n.name}</span>
                )}
                <span className="nn-sim">{n.similarity.toFixed(3)}</span>
              </li>
            ))}
          </ol>
          <p className="layer-note" data-testid="nn-timing">
            cosine over {nn.data.candidates.toLocaleString('en')} images in {nn.data.ms.toFixed(1)} ms (worker)
          </p>
        </>
      )}
    </section>
  );
}
