// CIFAR binary batches. CIFAR-10 record: <label><1024 R><1024 G><1024 B>; CIFAR-100 record:
// <coarse><fine><3072 px>. Planes are row-major 32×32; readers convert them to NHWC.

import { DatasetError } from './errors';

export type CifarVariant = 10 | 100;

export interface CifarRecords {
  n: number;
  /** N×32×32×3, NHWC. */
  images: Uint8Array;
  /** CIFAR-10 label or CIFAR-100 fine label. */
  labels: Uint8Array;
  /** CIFAR-100 only: the 20-way coarse label. */
  coarseLabels?: Uint8Array;
}

const PIXELS = 32 * 32 * 3;
const PLANE = 32 * 32;

export function cifarRecordBytes(variant: CifarVariant): number {
  return variant === 10 ? 1 + PIXELS : 2 + PIXELS;
}

/** The largest official batch file is CIFAR-100's train.bin: 50,000 records. */
export const MAX_CIFAR_RECORDS = 50_000;

/** Refuses a file too large to be a CIFAR batch from its size alone, before it is read or its split allocated. */
export function checkCifarSize(size: number, variant: CifarVariant, source: string): void {
  const max = MAX_CIFAR_RECORDS * cifarRecordBytes(variant);
  if (size <= max) return;
  throw new DatasetError(
    'format',
    source,
    `the file is ${size.toLocaleString('en-US')} B, more than any CIFAR-${variant} batch file (at most ${MAX_CIFAR_RECORDS.toLocaleString('en-US')} records = ${max.toLocaleString('en-US')} B)`,
    `It is damaged or not a CIFAR-${variant} batch: extract the archive again, or delete the folder so it is downloaded again`,
  );
}

/** Checks length and labels; returns the number of records. Allocates nothing. */
export function checkCifar(bytes: Uint8Array, variant: CifarVariant, source: string): number {
  const record = cifarRecordBytes(variant);
  const other: CifarVariant = variant === 10 ? 100 : 10;
  if (bytes.length === 0) {
    throw new DatasetError('format', source, 'empty file', 'The file was not copied or extracted completely: extract the archive again or delete the folder so it is downloaded again');
  }
  if (bytes.length % record !== 0) {
    const hint = bytes.length % cifarRecordBytes(other) === 0 ? ` Its length fits CIFAR-${other} records: is this a CIFAR-${other} file?` : '';
    throw new DatasetError(
      'format',
      source,
      `length ${bytes.length.toLocaleString('en-US')} B is not a multiple of the CIFAR-${variant} record size ${record} B (${variant === 10 ? '1 label byte' : '2 label bytes'} + 3072 pixels)`,
      `The file is truncated or not a CIFAR-${variant} binary batch.${hint} Use the binary version (cifar-${variant}-binary.tar.gz), not the Python or MATLAB one, and extract it again`,
    );
  }
  const n = bytes.length / record;
  for (let k = 0; k < n; k++) {
    const at = k * record;
    const fine = bytes[at + record - PIXELS - 1]!;
    const coarse = variant === 100 ? bytes[at]! : 0;
    if (fine >= variant || coarse >= 20) {
      const what = fine >= variant ? `label ${fine} (valid: 0..${variant - 1})` : `coarse label ${coarse} (valid: 0..19)`;
      throw new DatasetError(
        'format',
        source,
        `record ${k} (byte offset ${at}) has ${what}`,
        `The file is damaged or is not a CIFAR-${variant} batch${variant === 10 ? ' (a CIFAR-100 file has 2 label bytes per record)' : ''}. Extract the archive again`,
      );
    }
  }
  return n;
}

/** Decodes validated records (see checkCifar) into `out`, starting at record `at`. */
export function decodeCifarInto(bytes: Uint8Array, variant: CifarVariant, out: CifarRecords, at: number): void {
  const record = cifarRecordBytes(variant);
  const n = bytes.length / record;
  const { images, labels, coarseLabels } = out;
  for (let k = 0; k < n; k++) {
    const src = k * record + record - PIXELS;
    labels[at + k] = bytes[src - 1]!;
    if (coarseLabels) coarseLabels[at + k] = bytes[src - 2]!;
    const dst = (at + k) * PIXELS;
    for (let p = 0; p < PLANE; p++) {
      const d = dst + 3 * p;
      images[d] = bytes[src + p]!;
      images[d + 1] = bytes[src + PLANE + p]!;
      images[d + 2] = bytes[src + 2 * PLANE + p]!;
    }
  }
}

export function allocCifar(n: number, variant: CifarVariant): CifarRecords {
  return {
    n,
    images: new Uint8Array(n * PIXELS),
    labels: new Uint8Array(n),
    ...(variant === 100 && { coarseLabels: new Uint8Array(n) }),
  };
}

/** Reads one CIFAR binary batch file (e.g. test_batch.bin, test.bin) into NHWC records. */
export function readCifar(bytes: Uint8Array, variant: CifarVariant, source: string): CifarRecords {
  const n = checkCifar(bytes, variant, source);
  const out = allocCifar(n, variant);
  decodeCifarInto(bytes, variant, out, 0);
  return out;
}
