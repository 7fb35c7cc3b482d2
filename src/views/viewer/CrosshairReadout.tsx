import { voxelToMm } from '../../formats/nifti.ts';
import type { LoadedVolume } from '../../jobs/volume-api.ts';
import { CATEGORY_COLORS } from './layers.ts';

export interface ReadoutInputs {
  voxel: [number, number, number];
  reference: LoadedVolume;
  r2mean?: LoadedVolume;
  rois: Array<{ name: string; category: string; volume?: LoadedVolume }>;
  maps: Array<{ label: string; volume?: LoadedVolume }>;
}

function at(v: LoadedVolume | undefined, [i, j, k]: [number, number, number]): number | undefined {
  if (!v) return undefined;
  const [X, Y] = v.header.dims;
  return v.data[i + X * (j + Y * k)];
}

const fmt = (x: number | undefined, digits = 1) => (x === undefined ? '…' : Number.isNaN(x) ? 'NaN' : x.toFixed(digits));

/** What is at the crosshair: voxel, mm, brain masks, ROIs, noise ceilings. */
export function CrosshairReadout({ voxel, reference, r2mean, rois, maps }: ReadoutInputs) {
  const mm = voxelToMm(reference.header.affine, voxel);
  const inAnat = (at(reference, voxel) ?? 0) !== 0;
  const r2 = at(r2mean, voxel);
  const inRsq = r2 !== undefined && r2 !== 0 && !Number.isNaN(r2);
  const containing = rois.filter((r) => {
    const x = at(r.volume, voxel);
    return x !== undefined && x !== 0 && !Number.isNaN(x);
  });
  return (
    <dl className="readout" data-testid="readout">
      <dt>voxel</dt>
      <dd data-testid="readout-voxel">{voxel.join(', ')}</dd>
      <dt>mm</dt>
      <dd>{mm.map((x) => x.toFixed(1)).join(', ')}</dd>
      <dt>brain</dt>
      <dd data-testid="readout-brain">
        <span className={inAnat ? 'yes' : 'no'}>anatomical {inAnat ? '✓' : '–'}</span> · <span className={inRsq ? 'yes' : 'no'}>rsquare {r2mean ? (inRsq ? '✓' : '–') : '…'}</span>
      </dd>
      <dt>ROIs</dt>
      <dd data-testid="readout-rois">
        {containing.length === 0
          ? 'none'
          : containing.map((r) => (
              <span key={r.name} className="readout-roi" style={{ borderColor: `rgb(${(CATEGORY_COLORS[r.category] ?? [150, 150, 150]).join(',')})` }}>
                {r.name}
              </span>
            ))}
      </dd>
      {maps.map((m) => (
        <FragmentRow key={m.label} label={m.label} value={`${fmt(at(m.volume, voxel))}${m.volume ? ' %' : ''}`} />
      ))}
      <FragmentRow label="R² mean" value={fmt(r2)} />
    </dl>
  );
}

function FragmentRow({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}
