/**
 * `--json` against Locust's own output: fixtures/locust-golden/golden_stats.json is what Locust's
 * print_stats_json printed for events.json (generate.py); we replay the same events and must
 * print the same bytes.
 */
import { describe, expect, it } from "vitest";
import { goldenFile, replayGolden } from "../../fixtures/locust-golden/replay-events.ts";
import { RequestStats } from "../stats/locust-stats.ts";
import { locustJson } from "./locust-json.ts";

describe("locustJson", () => {
  it("equals Locust's print_stats_json output for the golden events, byte for byte", () => {
    // print() adds the newline that --json writes after the dump
    expect(`${locustJson(replayGolden().stats)}\n`).toBe(goldenFile("golden_stats.json"));
  });

  it("writes whole-number floats as 20.0, keeps max(0, 0.0)'s int 0, and escapes non-ASCII as json.dumps does", () => {
    // Locust's bytes for these two events: generate.py run on Locust's stats.py (commit 407343d)
    // with events.json = GET /ok 20.0 ms 2 bytes and Custom "zero é" 0.0 ms 0 bytes, both at
    // t = 1700000001.0 (start 1700000000.0).
    const now = 1700000001;
    const stats = new RequestStats(() => now);
    stats.logRequest("GET", "/ok", 20, 2);
    stats.logRequest("Custom", "zero é", 0, 0);
    expect(locustJson(stats)).toBe(`[
    {
        "name": "/ok",
        "method": "GET",
        "last_request_timestamp": 1700000001.0,
        "start_time": 1700000001.0,
        "num_requests": 1,
        "num_none_requests": 0,
        "num_failures": 0,
        "total_response_time": 20.0,
        "max_response_time": 20.0,
        "min_response_time": 20.0,
        "total_content_length": 2,
        "response_times": {
            "20": 1
        },
        "num_reqs_per_sec": {
            "1700000001": 1
        },
        "num_fail_per_sec": {}
    },
    {
        "name": "zero \\u00e9",
        "method": "Custom",
        "last_request_timestamp": 1700000001.0,
        "start_time": 1700000001.0,
        "num_requests": 1,
        "num_none_requests": 0,
        "num_failures": 0,
        "total_response_time": 0.0,
        "max_response_time": 0,
        "min_response_time": 0.0,
        "total_content_length": 0,
        "response_times": {
            "0": 1
        },
        "num_reqs_per_sec": {
            "1700000001": 1
        },
        "num_fail_per_sec": {}
    }
]`);
  });

  it("lists only entries that saw a request or failure, and an empty list as []", () => {
    expect(locustJson(new RequestStats(() => 1700000000))).toBe("[]");
  });
});
