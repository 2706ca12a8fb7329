import { describe, expect, it } from "vitest";
import { jsonl } from "../../../test/fixtures/guardrails/load.ts";
import { ScanText } from "../scanner.ts";
import { DEFAULT_URL_THRESHOLD, findUrls, maliciousUrls, UrlScorer } from "./malicious-urls.ts";

interface UrlRow {
  readonly label: 0 | 1;
  readonly url: string;
  readonly signal?: string;
}

const scorer = new UrlScorer();
const settings = { name: "MaliciousURLs", kind: "malicious_urls", phase: "output", failMode: "closed" } as const;

describe("MaliciousURLs scoring", () => {
  it.each(jsonl<UrlRow>("urls.jsonl").map((row) => [row.label === 1 ? `flags (${row.signal})` : "passes", row.url, row] as const))("%s %s", (_, url, row) => {
    const finding = scorer.score(url);
    if (row.label === 1) {
      expect(finding.score).toBeGreaterThanOrEqual(DEFAULT_URL_THRESHOLD);
      expect(finding.signals).toContain(row.signal);
    } else {
      expect(finding.score).toBeLessThan(DEFAULT_URL_THRESHOLD);
    }
  });

  it("applies the configured blocklist and allowlist, subdomains included", () => {
    const configured = new UrlScorer(["evil.example"], ["bit.ly"]);
    expect(configured.score("https://cdn.evil.example/x")).toEqual({ score: 1, signals: ["blocklist"] });
    expect(configured.score("https://bit.ly/abc").score).toBe(0);
  });
});

describe("URL extraction", () => {
  it("finds URLs with schemes, www. and bare domains, without trailing punctuation", () => {
    const text = "See https://example.com/a?b=1, www.example.org. Or visit paypa1.com! Not config.json or main.py.";
    expect(findUrls(text).map((found) => found.url)).toEqual(["https://example.com/a?b=1", "www.example.org", "paypa1.com"]);
  });
});

describe("MaliciousURLs verdicts", () => {
  it("blocks a response with a malicious link and names the signals", () => {
    const verdict = maliciousUrls(settings, {}).scan(new ScanText("Log in at http://paypa1.com/login to continue."));
    expect(verdict).toMatchObject({ action: "block", reason: "malicious_url", detail: "lookalike,phishing_words" });
  });

  it("allows ordinary links and honours the threshold", () => {
    expect(maliciousUrls(settings, {}).scan(new ScanText("Docs: https://nodejs.org/api/ and https://github.com/")).action).toBe("allow");
    expect(maliciousUrls(settings, { threshold: 0.95 }).scan(new ScanText("short link: https://bit.ly/x")).action).toBe("allow");
  });

  it("on a stream window, judges only URLs that end in the new text", () => {
    const window = "bad: https://bit.ly/abc then more text";
    expect(maliciousUrls(settings, {}).scan(new ScanText(window, window.indexOf("then"))).action).toBe("allow");
  });
});
