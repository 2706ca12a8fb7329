/**
 * A server that could not listen, with the one line an operator needs ("port 4000 on 0.0.0.0 is
 * in use") instead of Node's stack. `pharos` prints it and exits 1 (cli/failure.ts).
 */

export class ListenError extends Error {
  /** Node's error code (EADDRINUSE, EACCES, …), when it gave one. */
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined, cause: unknown) {
    super(message, { cause });
    this.name = "ListenError";
    this.code = code;
  }
}

/** Which server failed, its address, and what Node said. */
export interface ListenFailure {
  /** "the gateway", "the health app", … */
  readonly server: string;
  readonly host: string;
  readonly port: number;
  readonly code: string | undefined;
  readonly detail: string;
}

/** The reason, in the words an operator acts on. */
export function describeListenFailure(failure: ListenFailure): string {
  const { server, host, port, code, detail } = failure;
  const where = `port ${port} on ${host}`;
  switch (code) {
    case "EADDRINUSE":
      return `${server} cannot listen: ${where} is in use`;
    case "EACCES":
      return `${server} cannot listen: no permission to use ${where}${port < 1024 ? " (ports below 1024 need privileges)" : ""}`;
    case "EADDRNOTAVAIL":
      return `${server} cannot listen: ${host} is not an address of this machine`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return `${server} cannot listen: the host name ${host} does not resolve`;
    default:
      return `${server} cannot listen on ${where}: ${detail}`;
  }
}

/** Any error from `server.listen` as a ListenError. */
export function toListenError(error: unknown, server: string, host: string, port: number): ListenError {
  if (error instanceof ListenError) return error;
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  const detail = error instanceof Error ? error.message : String(error);
  return new ListenError(describeListenFailure({ server, host, port, code, detail }), code, error);
}
