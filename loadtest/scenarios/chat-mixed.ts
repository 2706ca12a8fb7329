/**
 * A TypeScript scenario (the same shape as the YAML ones; Node strips the types when it loads
 * it): interactive users that mostly stream, batch users that do not, over several models.
 * Models come from CHAT_MODELS (comma-separated); the default is Pharos' embedded model.
 */
import type { ScenarioInput } from "../src/scenario/schema.ts";

const models = (process.env["CHAT_MODELS"] ?? "fake-openai-endpoint").split(",").map((model) => model.trim());
const prompts = [
  "Say hello world",
  "Write a limerick about a lighthouse.",
  "List three uses of a load balancer.",
  "Explain what time to first token means.",
];
const authorization = "Bearer ${LITELLM_MASTER_KEY:-sk-1234}";

const scenario: ScenarioInput = {
  name: "chat-mixed",
  description: "streaming and non-streaming chat completions over several models",
  users: [
    {
      name: "InteractiveUser",
      weight: 3,
      wait_time: "between(0.5, 2)",
      headers: { Authorization: authorization },
      tasks: [
        {
          name: "/v1/chat/completions [stream]",
          weight: 3,
          method: "POST",
          path: "/v1/chat/completions",
          body: {
            model: { $choice: models },
            stream: true,
            stream_options: { include_usage: true },
            messages: [{ role: "user", content: { $choice: prompts } }],
          },
        },
        {
          weight: 1,
          method: "POST",
          path: "/v1/chat/completions",
          body: { model: { $choice: models }, messages: [{ role: "user", content: { $choice: prompts } }] },
        },
      ],
    },
    {
      name: "BatchUser",
      weight: 1,
      wait_time: "constant_throughput(1)",
      headers: { Authorization: authorization },
      tasks: [
        {
          method: "POST",
          path: "/v1/completions",
          body: { model: { $choice: models }, prompt: { $choice: prompts }, max_tokens: 64 },
        },
      ],
    },
  ],
  metrics: [{ name: "LiteLLM Overhead Duration (ms)", header: "x-litellm-overhead-duration-ms" }],
};

export default scenario;
