/** The bounds a repository upload must stay within (docs/repository-layout.md). */
export const REPOSITORY_LIMITS = {
  /** The request body: the archive as sent, or the JSON of files. */
  maxUploadBytes: 32 * 1024 * 1024,
  /** Every entry of the archive once inflated, counted while inflating. */
  maxUnpackedBytes: 64 * 1024 * 1024,
  /** Inflated bytes per compressed byte, over the whole archive, once past maxRatioAfterBytes. */
  maxCompressionRatio: 200,
  maxRatioAfterBytes: 1024 * 1024,
  /** Regular files in the archive, ignored ones included. */
  maxFiles: 5000,
  /** One file. */
  maxFileBytes: 2 * 1024 * 1024,
  maxPathLength: 512,
} as const;
