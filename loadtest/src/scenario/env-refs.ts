/**
 * Environment references in scenario strings: `${NAME}` and `${NAME:-default}` (shell style),
 * plus LiteLLM's `os.environ/NAME` when it is the whole value. Missing variables without a
 * default are errors that name where the reference was.
 */

export type Env = Readonly<Record<string, string | undefined>>;

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const LITELLM_REFERENCE = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;

export function resolveEnvRefs(text: string, env: Env, where: string): string {
  const litellm = LITELLM_REFERENCE.exec(text);
  if (litellm !== null) return lookup(litellm[1] ?? "", undefined, env, where);
  return text.replace(REFERENCE, (_whole, name: string, fallback: string | undefined) => lookup(name, fallback, env, where));
}

function lookup(name: string, fallback: string | undefined, env: Env, where: string): string {
  const value = env[name];
  if (value !== undefined && value !== "") return value;
  if (fallback !== undefined) return fallback;
  throw new Error(`${where}: environment variable ${name} is not set (write \${${name}:-default} to give a default)`);
}
