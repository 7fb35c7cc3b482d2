/**
 * A minimal pure-TypeScript HDF5 writer for the demo bucket generator
 * (Node only: it uses node:zlib). It writes files that h5py and the HDF5
 * C library read exactly like files h5py writes itself: numeric datasets
 * (including float16) contiguous or chunked with shuffle + gzip, h5py-style
 * bool, variable-length UTF-8 strings and variable-length uint8 sequences,
 * plus string/number attributes, all in the root group. Output is
 * deterministic. See tools/lib/hdf5/file.ts for the format choices.
 */
export { writeHdf5 } from './hdf5/file.ts';
export type { H5Attr, H5DatasetSpec, H5NumericType } from './hdf5/file.ts';
export { float16BitsToFloat32, float32ToFloat16Bits } from '../../src/formats/hdf5-float16.ts';
