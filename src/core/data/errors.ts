// Errors a user can cause with dataset files (missing, corrupt, wrong layout, failed download).
// The message always names the file, says what is wrong and what to do about it.

export type DatasetErrorCode =
  | 'format' // the bytes are not what the reader expects (magic, length, labels, gzip)
  | 'checksum' // an MD5 differs from the published value
  | 'missing' // the files are not present and were not (or could not be) downloaded
  | 'layout' // a dataDir folder does not hold the expected files
  | 'network' // a download failed
  | 'aborted' // a download was cancelled through its AbortSignal
  | 'config'; // a dataset setting does not fit the data (e.g. a subset larger than the set)

export class DatasetError extends Error {
  override readonly name = 'DatasetError';

  constructor(
    readonly code: DatasetErrorCode,
    /** The file or folder concerned (or the config field, for code 'config'). */
    readonly file: string,
    /** What is wrong, as one sentence without a final period. */
    readonly problem: string,
    /** What the user can do about it. */
    readonly fix: string,
  ) {
    super(`${file}: ${problem}. ${fix}`);
  }
}
