import type { LoadedVolume } from '../../jobs/volume-api.ts';
import { downloadBytes, encodeMapNiftiGz } from '../../export/map-nifti.ts';

export interface ShownMap {
  /** Button text and file-name part, e.g. "Noise ceiling, 12-rep images". */
  label: string;
  /** For the file name: nc12, betas-trial-7, rois-face… */
  slug: string;
  volume: Pick<LoadedVolume, 'header' | 'data'> | { header: LoadedVolume['header']; data: Uint8Array };
}

/** One button per map on screen: saves it as .nii.gz on the betas grid (laion_fmri `to_nifti`). */
export function MapExport({ maps, subject }: { maps: ShownMap[]; subject: string }) {
  if (maps.length === 0) return null;
  return (
    <div className="map-export" data-testid="map-export">
      <h4>Maps on screen (.nii.gz, source grid and affine)</h4>
      {maps.map((m) => (
        <button
          key={m.slug}
          className="ghost small"
          onClick={() => downloadBytes(encodeMapNiftiGz({ data: m.volume.data, header: m.volume.header, description: `${subject} ${m.label}` }), `${subject}_${m.slug}.nii.gz`, 'application/gzip')}
        >
          Save {m.label}
        </button>
      ))}
    </div>
  );
}
