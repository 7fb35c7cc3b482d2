/**
 * The `reproduce.py` of an export: the laion_fmri calls that give the same
 * arrays, and a check of the exported files against them. With `--local DIR`
 * it needs no network and no laion_fmri: it recomputes get_betas with numpy
 * and nibabel from a local copy of the bucket (the keys are in the script),
 * which is how CI runs it against the demo bucket.
 */
import type { ExportParams } from './plan.ts';
import { parseRoiQuery } from '../science/roi-query.ts';

export interface ReproduceInput {
  params: ExportParams;
  rowsBySession: Record<string, number[]>;
  suffixes: Record<string, string>;
  keys: { brain: string; rois: string[]; nc: Record<string, string>; trials: Record<string, string>; betas: Record<string, string> };
}

/** A Python literal for JSON-like values (None/True/False). */
function py(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : `float('${v}')`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(py).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${JSON.stringify(k)}: ${py(x)}`)
    .join(', ')}}`;
}

export function reproducePy(r: ReproduceInput): string {
  const p = r.params;
  const roi = p.roi === null ? null : parseRoiQuery(p.roi);
  return `#!/usr/bin/env python3
"""Reproduce this LAION-fMRI Explorer export and check it against the files next to this script.

    python reproduce.py                   # with laion_fmri (pip install laion-fmri); downloads what it needs
    python reproduce.py --data-dir DIR    # laion_fmri with its data directory set to DIR
    python reproduce.py --local DIR       # offline: numpy + nibabel on a local copy of the bucket (DIR holds derivatives/)

The laion_fmri calls are the ones in with_laion_fmri(); --local recomputes the same get_betas
selection from the files (whole betas file in memory: fine for small grids, ~12 GB for a real session).
Exit status 0 when every betas file here equals the recomputed array (NaN positions included).
"""
import argparse
import csv
import sys
from pathlib import Path

import numpy as np

SUBJECT = ${py(p.subject)}
SESSIONS = ${py(p.sessions)}
MASK_SOURCE = ${py(p.maskSource)}
ROI = ${py(roi)}
CUSTOM_MASK = ${p.mask ? 'True  # mask_brain.npy' : 'False'}
NC_THRESHOLD = ${py(p.ncThreshold)}
STIMULI = ${py(p.stimuli)}
# Global trial indices (rows of Subject.metadata) chosen in the app; None = all trials.
TRIALS = ${py(p.trials)}
# Rows of each session's betas kept (stimuli and TRIALS applied), in export order.
ROWS = ${py(r.rowsBySession)}
SUFFIX = ${py(r.suffixes)}
KEYS = ${py(r.keys)}

HERE = Path(__file__).resolve().parent


def with_laion_fmri(data_dir=None):
    from laion_fmri.config import dataset_initialize
    from laion_fmri.download import download
    from laion_fmri.subject import load_subject

    if data_dir:
        dataset_initialize(data_dir)
    for ses in SESSIONS:
        download(subject=SUBJECT, ses=ses)
    sub = load_subject(SUBJECT)
    out = {}
    for ses in SESSIONS:
        kw = dict(session=ses, mask_source=MASK_SOURCE)
        if ROI is not None:
            kw["roi"] = ROI
        if CUSTOM_MASK:
            kw["mask"] = np.load(HERE / "mask_brain.npy")
        if NC_THRESHOLD is not None:
            kw["nc_threshold"] = NC_THRESHOLD
        if TRIALS is None:
            kw["stimuli"] = STIMULI
            out[ses] = np.asarray(sub.get_betas(**kw), dtype=np.float32)
        else:
            out[ses] = np.asarray(sub.get_betas(**kw), dtype=np.float32)[ROWS[ses]]
    return out, None


def local(root):
    import nibabel as nib

    root = Path(root)

    def vol(key):
        return np.asarray(nib.load(str(root / key)).dataobj)

    def nonzero(a):
        return (a != 0) & ~np.isnan(a)

    brain = nonzero(vol(KEYS["brain"])).ravel()
    out, index = {}, {}
    for ses in SESSIONS:
        keep = np.ones(int(brain.sum()), bool)
        if ROI is not None:
            keep = np.zeros(int(brain.sum()), bool)
            for key in KEYS["rois"]:
                keep |= nonzero(vol(key)).ravel()[brain]
        if CUSTOM_MASK:
            keep = np.load(HERE / "mask_brain.npy").astype(bool)
        if NC_THRESHOLD is not None:
            nc = vol(KEYS["nc"][ses]).astype(np.float32).ravel()[brain]
            keep &= nc >= np.float32(NC_THRESHOLD)
        full = brain.copy()
        full[brain] = keep
        data = np.asarray(nib.load(str(root / KEYS["betas"][ses])).dataobj)
        rows = ROWS[ses]
        out[ses] = np.stack([data[..., t].ravel()[full] for t in rows]).astype(np.float32) if rows else np.zeros((0, int(full.sum())), np.float32)
        index[ses] = np.flatnonzero(full)
    return out, index


def check(arrays, index):
    ok = True
    tsv = list(csv.DictReader(open(HERE / "trials.tsv", newline=""), delimiter="\\t"))
    for ses in SESSIONS:
        got = np.load(HERE / f"betas{SUFFIX[ses]}.npy")
        want = arrays[ses]
        same = got.dtype == np.float32 and got.shape == want.shape and np.array_equal(got, want, equal_nan=True)
        print(f"{ses}: betas{SUFFIX[ses]}.npy {got.shape} {got.dtype}: {'OK' if same else 'DIFFERENT'}")
        ok &= bool(same)
        if index is not None:
            vi = np.load(HERE / f"voxel_index{SUFFIX[ses]}.npy")
            same_vi = np.array_equal(vi, index[ses])
            print(f"{ses}: voxel_index{SUFFIX[ses]}.npy: {'OK' if same_vi else 'DIFFERENT'}")
            ok &= bool(same_vi)
        rows = [int(r["session_trial"]) for r in tsv if r["session"] == ses]
        same_rows = rows == ROWS[ses]
        print(f"{ses}: trials.tsv rows: {'OK' if same_rows else 'DIFFERENT'}")
        ok &= same_rows
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--local", metavar="DIR", help="a local copy of the bucket (no network, no laion_fmri)")
    ap.add_argument("--data-dir", metavar="DIR", help="laion_fmri data directory")
    a = ap.parse_args()
    arrays, index = local(a.local) if a.local else with_laion_fmri(a.data_dir)
    sys.exit(0 if check(arrays, index) else 1)


if __name__ == "__main__":
    main()
`;
}
