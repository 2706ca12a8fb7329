/**
 * Which model groups a caller may call: a key's `models` list (undefined: all). Pure. `asked` is
 * the name in the request (a model_group_alias): a key listing either the alias or its group may
 * call it. The refusal is a 401, as LiteLLM answers it.
 */
import { GatewayError } from "../errors.ts";
import type { AuthContext } from "../request-state.ts";

export function modelAccessError(auth: AuthContext | undefined, group: string, asked: string, param: string): GatewayError | undefined {
  const models = auth?.models;
  if (models === undefined || models.includes(group) || models.includes(asked)) return undefined;
  return new GatewayError("model_access_denied", `This key is not allowed to call model group '${group}'. It may call: ${models.join(", ")}.`, { param });
}
