/** Config paths as every config message writes them: `model_list[2].litellm_params.api_base`. */

export type PathPart = string | number;

/** `["model_list", 2, "litellm_params", "api_base"]` → `model_list[2].litellm_params.api_base`. */
export function formatPath(path: readonly PathPart[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out === "" ? "(root)" : out;
}

/** The path a problem names: every config problem starts with it (`model_list[0].rpm: expected …`). */
export function problemPath(problem: string): string {
  const end = problem.indexOf(": ");
  return end === -1 ? problem : problem.slice(0, end);
}
