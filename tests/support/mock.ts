/** Mock upstreams for tests: started on 127.0.0.1:0, closed in afterAll. */
import { MockUpstream } from "../../gateway/src/mock/mock-upstream.ts";
import type { MockUpstreamOptions } from "../../gateway/src/mock/mock-upstream.ts";

const started = new Set<MockUpstream>();

export async function startMock(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const mock = new MockUpstream(options);
  await mock.listen(0);
  started.add(mock);
  return mock;
}

export async function closeAllMocks(): Promise<void> {
  await Promise.all([...started].map((mock) => mock.close()));
  started.clear();
}
