/** A problem the user can fix; the CLI prints its message as a one-line reason and exits 1. */
export class CliError extends Error {}
