/** A failure to report as one plain line (no stack trace) with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message)
  }
}

/** The error for a file that cannot be read, in plain words. */
export function readError(what: string, path: string, error: unknown): CliError {
  if (error instanceof CliError) return error
  const code = (error as NodeJS.ErrnoException).code
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory'
          : (error as Error).message
  return new CliError(`cannot read ${what} file "${path}": ${reason}`, 1)
}
