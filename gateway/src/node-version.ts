/**
 * The oldest Node.js `pharos` and `pharos-load` run on (package.json's engines; undici, and so
 * every HTTP path, needs it). Imports nothing: each entry point checks the version before
 * anything that could fail on an older Node is loaded.
 */

export const MIN_NODE = { major: 22, minor: 19 } as const;

/** The message for a Node.js older than MIN_NODE (`version` as in process.versions.node), else undefined. */
export function nodeVersionProblem(version: string, command = "pharos"): string | undefined {
  const [major = 0, minor = 0] = version.split(".").map((part) => Number.parseInt(part, 10));
  const tooOld = major < MIN_NODE.major || (major === MIN_NODE.major && minor < MIN_NODE.minor);
  return tooOld ? `${command} needs Node.js >= ${MIN_NODE.major}.${MIN_NODE.minor} (this is v${version})` : undefined;
}

/** Ends the process with that message when this Node.js is too old (each entry point's first step). */
export function exitIfNodeTooOld(command = "pharos"): void {
  const problem = nodeVersionProblem(process.versions.node, command);
  if (problem === undefined) return;
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
