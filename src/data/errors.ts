/** The error type of the data loaders, with a machine-readable `code` and the file it is about. */

/** What went wrong while reading a dataset. */
export type DatasetErrorCode =
  | 'missing-folder'
  | 'missing-file'
  | 'bad-magic'
  | 'bad-format'
  | 'truncated'
  | 'size-mismatch'
  | 'checksum-mismatch'
  | 'no-checksum';

/**
 * Thrown by the IDX parser and the dataset loaders. The message names the file and
 * says what was expected; `code` lets callers (and tests) tell the cases apart.
 */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';

  /**
   * @param code what went wrong
   * @param file the file or folder concerned
   * @param message the full, human-readable explanation
   */
  constructor(
    readonly code: DatasetErrorCode,
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}
