/** Progress of a model download, reported after every chunk written. */
export interface HubProgress {
  /** The file being downloaded, relative to the repo root. */
  readonly file: string;
  /** Bytes of `file` on disk so far (a resumed file starts above 0). */
  readonly fileBytes: number;
  /** Size of `file` in bytes. */
  readonly fileTotal: number;
  /** Bytes of all selected files present so far, cached ones included. */
  readonly bytes: number;
  /** Bytes of all selected files. */
  readonly total: number;
  /** Selected files complete so far / selected files. */
  readonly filesDone: number;
  readonly filesTotal: number;
}
