// IDX files (MNIST, Fashion-MNIST): big-endian header, unsigned-byte payload, raw or gzipped.
// Format: magic 00 00 <type> <ndims>, then ndims u32 BE dims, then prod(dims) bytes.

import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { DatasetError } from './errors';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Largest payload accepted; the datasets here are < 50 MB, so anything near this is a damaged header. */
const MAX_IDX_BYTES = 2 ** 31 - 1;
/** Largest IDX file (raw or .gz) read at all: MNIST's largest is 47 MB. Checked from the size, before reading. */
export const MAX_IDX_FILE_BYTES = 256 * 2 ** 20;

/** Refuses a file too large to be one of the IDX files here from its size alone, before it is read. */
export function checkIdxFileSize(size: number, source: string): void {
  if (size <= MAX_IDX_FILE_BYTES) return;
  throw new DatasetError(
    'format',
    source,
    `the file is ${size.toLocaleString('en-US')} B; the IDX files of MNIST and Fashion-MNIST are under 50 MB (this reader takes at most ${MAX_IDX_FILE_BYTES.toLocaleString('en-US')} B)`,
    REDOWNLOAD,
  );
}
const TYPE_NAMES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };
const REDOWNLOAD = 'Delete the file and download or copy it again';

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Parses an IDX file of unsigned bytes. Gzipped input (1f 8b) is decompressed first. */
export function readIdx(bytes: Uint8Array, source: string): IdxArray {
  if (!isGzip(bytes)) {
    const { dims, headerBytes, payloadBytes } = parseHeader(bytes, source);
    checkLength(bytes.length, headerBytes + payloadBytes, dims, source);
    return { dims, data: payload(bytes, headerBytes) };
  }
  // Read the header from a decompressed prefix so that the declared size is checked before the
  // whole file is inflated; maxOutputLength then stops a payload larger than the header declares.
  const { dims, headerBytes, payloadBytes } = parseHeader(gunzipPrefix(bytes, source), source);
  const raw = gunzip(bytes, source, headerBytes + payloadBytes);
  checkLength(raw.length, headerBytes + payloadBytes, dims, source);
  return { dims, data: payload(raw, headerBytes) };
}

/** The header bytes of an IDX file of unsigned bytes with these dims. */
export function idxHeader(dims: readonly number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  return header;
}

/** A complete (uncompressed) IDX file. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const header = idxHeader(dims);
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

function parseHeader(bytes: Uint8Array, source: string): { dims: number[]; headerBytes: number; payloadBytes: number } {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetError(
      'format',
      source,
      `not an IDX file: expected magic 00 00 08 0N (N = number of dimensions), got ${hex(bytes.subarray(0, 4)) || 'an empty file'}`,
      'Point the loader at the IDX files (e.g. train-images-idx3-ubyte, raw or .gz) or delete this file and download it again',
    );
  }
  const type = bytes[2]!;
  const ndims = bytes[3]!;
  if (type !== 0x08) {
    throw new DatasetError(
      'format',
      source,
      `unsupported IDX element type 0x${type.toString(16).padStart(2, '0')} (${TYPE_NAMES[type] ?? 'unknown'}); only unsigned bytes (0x08) are supported`,
      'Use the image/label IDX files of MNIST or Fashion-MNIST, which store unsigned bytes',
    );
  }
  if (ndims === 0) {
    throw new DatasetError('format', source, 'IDX header declares 0 dimensions', REDOWNLOAD);
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DatasetError('format', source, `truncated IDX header: ${ndims} dimensions need ${headerBytes} header bytes, the file has ${bytes.length}`, REDOWNLOAD);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  const payloadBytes = dims.reduce((a, b) => a * b, 1);
  if (payloadBytes > MAX_IDX_BYTES) {
    throw new DatasetError(
      'format',
      source,
      `IDX header declares dims ${dims.join('×')} = ${payloadBytes.toLocaleString('en-US')} bytes, more than this reader accepts (${MAX_IDX_BYTES.toLocaleString('en-US')}); the header is damaged`,
      REDOWNLOAD,
    );
  }
  return { dims, headerBytes, payloadBytes };
}

function checkLength(actual: number, expected: number, dims: number[], source: string): void {
  if (actual < expected) {
    throw new DatasetError(
      'format',
      source,
      `truncated IDX file: dims ${dims.join('×')} need ${expected.toLocaleString('en-US')} bytes (with header), only ${actual.toLocaleString('en-US')} are present`,
      `The file is incomplete (an interrupted download or copy). ${REDOWNLOAD}`,
    );
  }
  if (actual > expected) {
    throw new DatasetError(
      'format',
      source,
      `IDX file is longer than its header declares: dims ${dims.join('×')} need ${expected.toLocaleString('en-US')} bytes (with header), ${actual.toLocaleString('en-US')} are present`,
      REDOWNLOAD,
    );
  }
}

/** Decompresses growing prefixes until the IDX header is readable; bounded by the prefix size. */
function gunzipPrefix(bytes: Uint8Array, source: string): Uint8Array {
  let out: Uint8Array = new Uint8Array(0);
  for (let take = 256; ; take *= 16) {
    const prefix = bytes.subarray(0, take);
    out = gunzip(prefix, source, undefined, zlibConstants.Z_SYNC_FLUSH);
    const needed = out.length >= 4 ? 4 + 4 * out[3]! : 4;
    if (out.length >= needed || prefix.length === bytes.length || take >= 65536) return out;
  }
}

function gunzip(bytes: Uint8Array, source: string, maxOutputLength?: number, finishFlush?: number): Uint8Array {
  try {
    return gunzipSync(bytes, { ...(maxOutputLength !== undefined && { maxOutputLength }), ...(finishFlush !== undefined && { finishFlush }) });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DatasetError('format', source, `gzipped IDX file holds more data than its header declares (${maxOutputLength} bytes)`, REDOWNLOAD);
    }
    throw new DatasetError('format', source, `corrupt gzip data (zlib: ${err.message})`, `The file is damaged or was cut short. ${REDOWNLOAD}`);
  }
}

/** A plain Uint8Array view (not a Buffer, whatever the input) of the bytes after the header. */
function payload(bytes: Uint8Array, headerBytes: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, bytes.length - headerBytes);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
