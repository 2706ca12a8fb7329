/**
 * What `pharos serve` runs without `--config`: one model group answered in-process by the same
 * code as `pharos mock-upstream`, memory cache and state, so a fresh install answers at once.
 */
export const EMBEDDED_DEFAULT_YAML = `
model_list:
  - model_name: fake-openai-endpoint
    litellm_params:
      model: fake/fake-openai-endpoint
    model_info:
      id: fake-openai-endpoint-0
      mode: chat
  - model_name: fake-embedding-endpoint
    litellm_params:
      model: fake/fake-embedding
    model_info:
      id: fake-embedding-endpoint-0
      mode: embedding
`;
