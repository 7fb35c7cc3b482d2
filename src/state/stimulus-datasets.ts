/** image_name → dataset, from the stimulus metadata CSV (one small GET, shared by every view). */
import { useQuery } from '@tanstack/react-query';
import { stimuliKeys } from '../data/layout.ts';
import { DataError } from '../data/errors.ts';
import { csvColumns } from '../formats/csv.ts';
import { clientFor, useEndpoint } from './queries.ts';

export function useStimulusDatasets() {
  const endpoint = useEndpoint();
  return useQuery({
    queryKey: ['stimulus-datasets', endpoint],
    staleTime: Infinity,
    retry: false,
    queryFn: async ({ signal }) => {
      const key = stimuliKeys.metadata;
      const text = await (await clientFor(endpoint).getObject(key, signal)).text();
      let parsed;
      try {
        parsed = csvColumns(text, ['image_name', 'dataset'], key);
      } catch (e) {
        throw new DataError('malformed', key, e instanceof Error ? e.message : String(e));
      }
      const { rows, col } = parsed;
      return new Map(rows.map((r) => [r[col.image_name], r[col.dataset] ?? ''] as [string, string]));
    },
  });
}
