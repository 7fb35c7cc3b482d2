/**
 * Where the app reads data from. The real bucket and the demo bucket are read
 * by the same code; only the endpoint differs.
 */
export type SourceKind = 'demo' | 'aws' | 'custom' | 'local';

export interface SourceConfig {
  kind: SourceKind;
  endpoint: string;
}

/** The public bucket, virtual-host style, in its region (bucket-layout.md §1). */
export const AWS_ENDPOINT = 'https://laion-fmri.s3.us-west-2.amazonaws.com';

/** The dev server started by `npm start` (override with VITE_DEMO_ENDPOINT at build time). */
export const DEMO_ENDPOINT: string = import.meta.env.VITE_DEMO_ENDPOINT || 'http://127.0.0.1:9000/laion-fmri';

export const SOURCE_LABELS: Record<SourceKind, string> = {
  demo: 'Demo bucket',
  aws: 'LAION-fMRI on AWS',
  custom: 'Custom endpoint',
  local: 'Local folder',
};

export function endpointFor(kind: SourceKind, custom: string): string {
  // A local folder's endpoint comes from the folder picked (data/local/registry), never from here.
  return kind === 'demo' ? DEMO_ENDPOINT : kind === 'aws' ? AWS_ENDPOINT : kind === 'custom' ? custom : '';
}

export const APP_VERSION: string = import.meta.env.VITE_APP_VERSION || '0.1.0';

/**
 * Where the laion_fmri package's split JSONs are read from (`{base}/{pool}/{name}.json`).
 * They ship with the package, not the bucket: the demo's own (same schema) are served by
 * the dev server as the bucket `laion-fmri-splits`; otherwise the package's repository.
 */
export const DEMO_SPLITS_URL: string = import.meta.env.VITE_DEMO_SPLITS || DEMO_ENDPOINT.replace(/\/laion-fmri\/?$/, '/laion-fmri-splits');
export const PACKAGE_SPLITS_URL = 'https://raw.githubusercontent.com/ViCCo-Group/LAION-fMRI/main/laion_fmri/splits/data';
