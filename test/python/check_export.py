#!/usr/bin/env python3
"""Independent check of a masked-betas export (test/e2e/export.spec.ts).

usage: check_export.py EXPORT.zip BUCKET_ROOT

Unzips the export, loads it with numpy, and recomputes laion_fmri's get_betas
from the demo bucket files with nibabel + numpy (bucket-layout.md §3-§4),
written here without the app's code: the parameters are read from
provenance.json, the ROI query is resolved from the folder names. Prints a
JSON summary; exits 1 with a message on the first mismatch.
"""
import csv
import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

import nibabel as nib
import numpy as np


def fail(msg):
    print(f"MISMATCH: {msg}", file=sys.stderr)
    sys.exit(1)


def nonzero(a):
    return (a != 0) & ~np.isnan(a)


def resolve_rois(root, sub, query):
    """ROI name, category, 'all', or a list -> (clean name, key) pairs, union in order."""
    base = root / "derivatives" / "rois" / sub
    found = {}
    for p in sorted(base.glob("*/*_space-T1w_res-1pt8_label-*_mask.nii.gz")):
        label = p.name.split("_label-")[1][: -len("_mask.nii.gz")]
        found.setdefault(p.parent.name, []).append((label.replace("-", ""), str(p.relative_to(root))))
    tokens = [query] if isinstance(query, str) else list(query)
    out = []
    for t in tokens:
        if t == "all":
            pairs = [x for c in sorted(found) for x in found[c]]
        elif t in found:
            pairs = found[t]
        else:
            pairs = [x for c in found for x in found[c] if x[0] == t]
            if not pairs:
                fail(f"ROI {t} not in the bucket")
        out += [x for x in pairs if x not in out]
    return out


def main():
    zpath, root = Path(sys.argv[1]), Path(sys.argv[2])
    z = zipfile.ZipFile(zpath)
    if z.testzip() is not None:
        fail("zip CRC error")
    names = set(z.namelist())
    prov = json.loads(z.read("provenance.json"))
    p = prov["parameters"]
    sub = prov["subject"]
    sessions = p["session"]
    multi = len(sessions) > 1
    trials_tsv = list(csv.DictReader(io.StringIO(z.read("trials.tsv").decode()), delimiter="\t"))

    mask_key = (
        f"derivatives/anatomical/{sub}/ses-PrismaAnat/anat/{sub}_ses-PrismaAnat_space-T1w_res-1pt8_desc-brain_mask.nii.gz"
        if p["mask_source"] == "anatomical"
        else f"derivatives/glmsingle-tedana/{sub}/{sub}_task-images_space-T1w_stat-rsquare_desc-R2mean_statmap.nii.gz"
    )
    mimg = nib.load(str(root / mask_key))
    brain = nonzero(np.asarray(mimg.dataobj)).ravel()
    affine = mimg.affine
    if not np.allclose(np.array(prov["grid"]["affine"]), affine, atol=1e-5):
        fail("provenance affine differs from the mask file's")

    # Global trial offsets over every public session (sorted).
    glm = root / "derivatives" / "glmsingle-tedana" / sub
    public = sorted(d.name for d in glm.glob("ses-*") if d.name not in ("ses-31", "ses-32", "ses-33", "ses-34"))
    tables, offset, acc = {}, {}, 0
    for s in public:
        with open(glm / s / "func" / f"{sub}_{s}_task-images_desc-SingletrialBetas_trials.tsv", newline="") as f:
            tables[s] = list(csv.DictReader(f, delimiter="\t"))
        offset[s] = acc
        acc += len(tables[s])

    summary = {}
    sources = {s["key"]: s for s in prov["sources"]}
    for ses in sessions:
        sfx = f"_{ses}" if multi else ""
        keep = np.ones(int(brain.sum()), bool)
        if p["roi"] is not None:
            q = p["roi"]
            toks = [t for t in q.replace(",", " ").split() if t]
            rois = resolve_rois(root, sub, toks[0] if len(toks) == 1 else toks)
            keep = np.zeros(int(brain.sum()), bool)
            for _, key in rois:
                keep |= nonzero(np.asarray(nib.load(str(root / key)).dataobj)).ravel()[brain]
                if key not in sources:
                    fail(f"ROI source {key} missing from provenance")
        if p["nc_threshold"] is not None:
            nc_key = f"derivatives/glmsingle-tedana/{sub}/{ses}/func/{sub}_{ses}_task-images_space-T1w_desc-Noiseceiling_statmap.nii.gz"
            nc = np.asarray(nib.load(str(root / nc_key)).dataobj).astype(np.float32).ravel()[brain]
            keep &= nc >= np.float32(p["nc_threshold"])
        full = brain.copy()
        full[brain] = keep
        betas_key = f"derivatives/glmsingle-tedana/{sub}/{ses}/func/{sub}_{ses}_task-images_space-T1w_stat-effect_desc-SingletrialBetas_statmap.nii.gz"
        data = np.asarray(nib.load(str(root / betas_key)).dataobj)
        rows = list(range(data.shape[3]))
        labels = [r["label"] for r in tables[ses]]
        if p["stimuli"] == "shared":
            rows = [r for r in rows if labels[r].startswith("shared_")]
        elif p["stimuli"] == "unique":
            rows = [r for r in rows if not labels[r].startswith("shared_")]
        if p["trials"] is not None:
            wanted = set(p["trials"])
            rows = [r for r in rows if offset[ses] + r in wanted]
        want = np.stack([data[..., r].ravel()[full] for r in rows]).astype(np.float32)

        got = np.load(io.BytesIO(z.read(f"betas{sfx}.npy")))
        if got.dtype != np.float32 or not got.flags["C_CONTIGUOUS"]:
            fail(f"betas dtype/order {got.dtype}")
        if got.shape != want.shape:
            fail(f"{ses} betas shape {got.shape} != {want.shape}")
        if not np.array_equal(got, want, equal_nan=True):
            fail(f"{ses} betas values differ")
        vi = np.load(io.BytesIO(z.read(f"voxel_index{sfx}.npy")))
        if not np.array_equal(vi, np.flatnonzero(full)):
            fail(f"{ses} voxel_index differs")
        ijk = np.load(io.BytesIO(z.read(f"voxels{sfx}.npy")))
        if not np.array_equal(ijk, np.stack(np.unravel_index(vi, data.shape[:3]), axis=1)):
            fail(f"{ses} voxels (ijk) differ")
        mm = np.load(io.BytesIO(z.read(f"voxels_mm{sfx}.npy")))
        if not np.allclose(mm, nib.affines.apply_affine(affine, ijk), atol=1e-4):
            fail(f"{ses} voxels_mm differ")
        mine = [r for r in trials_tsv if r["session"] == ses]
        if [int(r["session_trial"]) for r in mine] != rows:
            fail(f"{ses} trials.tsv rows differ")
        if [r["image_name"] for r in mine] != [labels[r] for r in rows]:
            fail(f"{ses} trials.tsv image names differ")
        if [int(r["global_trial"]) for r in mine] != [offset[ses] + r for r in rows]:
            fail(f"{ses} global trial indices differ")
        if [int(r["row"]) for r in mine] != list(range(len(rows))):
            fail(f"{ses} row column")
        src = sources.get(betas_key)
        body = (root / betas_key).read_bytes()
        if not src or src["size"] != len(body) or src["etag"].strip('"') != hashlib.md5(body).hexdigest():
            fail(f"provenance source of {betas_key}: {src}")
        summary[ses] = {"shape": list(got.shape), "nan": int(np.isnan(got).sum()), "source": [s for s in prov["sessions"] if s["session"] == ses][0]["rows_read_from"]}
    expected = {"trials.tsv", "provenance.json", "reproduce.py", "README.txt"}
    if not expected <= names:
        fail(f"missing entries {expected - names}")
    print(json.dumps({"sessions": summary, "entries": sorted(names), "app": prov["app"], "created": prov["created"]}))


if __name__ == "__main__":
    main()
