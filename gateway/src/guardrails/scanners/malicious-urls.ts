/**
 * MaliciousURLs: finds URLs (with a scheme, `www.` ones, and bare domains under common TLDs) and
 * scores each with heuristics: dangerous schemes (javascript:, data:text/html, vbscript:, file:),
 * credentials before the host (https://paypal.com@evil.example), public IP literals, punycode or
 * mixed-script hosts, link shorteners, brand lookalikes (paypa1.com, paypal-login.example),
 * phishing-prone TLDs and words, executable downloads, and a configurable blocklist (and
 * allowlist). The response is blocked when one URL scores at or above the threshold (0.5).
 */
import { BRANDS, EXECUTABLE, PHISHING_WORDS, SECOND_LEVEL_SUFFIXES, SHORTENERS, SUSPICIOUS_TLDS } from "../data/url-lists.ts";
import { allow, combineScores } from "../scanner.ts";
import type { Scanner, ScannerSettings, ScanText, Verdict } from "../scanner.ts";

export interface MaliciousUrlsOptions {
  readonly threshold?: number;
  readonly blocked_domains?: readonly string[];
  readonly allowed_domains?: readonly string[];
}

export const DEFAULT_URL_THRESHOLD = 0.5;

const BARE_TLDS = "com|net|org|info|biz|xyz|top|club|online|site|website|live|click|link|shop|store|app|dev|io|co|tk|ml|ga|cf|gq|ru|cn|su|ly|cc|ws|zip|mov|country|kim|work|loan|win|bid|racing|review|stream|download|icu|cam|rest|vn|fr|de|es|jp|uk|nl|br";
const URL_PATTERN = new RegExp(
  String.raw`\b(?:(?:https?|ftp|file|javascript|vbscript|data):[^\s<>"'\`)\]}]+|www\.[^\s<>"'\`)\]}]+|(?<![@\w.-])(?:[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\.)+(?:${BARE_TLDS})\b(?:/[^\s<>"'\`)\]}]*)?)`,
  "gi",
);
/** A quick test before the URL regex: most texts have no URL at all. */
const MAYBE_URL = /:\/\/|www\.|javascript:|vbscript:|data:|file:|\.(?:com|net|org|info|biz|xyz|top|io|co|ly|ru|cn|tk|ml|ga|cf|gq|zip|mov|app|dev|vn)\b/i;

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const PRIVATE_IPV4 = /^(?:10\.|127\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|169\.254\.|0\.)/;
const INTEGER_HOST = /^(?:0x[0-9a-f]+|\d{8,10})$/i;
const NON_ASCII = /[\u0080-\uffff]/;
const LEET: Readonly<Record<string, string>> = { "0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "$": "s", "@": "a", "!": "i" };

export interface UrlFinding {
  readonly score: number;
  readonly signals: readonly string[];
}

function registrableDomain(host: string): string {
  const labels = host.split(".");
  if (labels.length <= 2) return host;
  const lastTwo = labels.slice(-2).join(".");
  return SECOND_LEVEL_SUFFIXES.has(lastTwo) ? labels.slice(-3).join(".") : lastTwo;
}

function underDomain(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

function normalizeLookalike(label: string): string {
  let out = "";
  for (const char of label.replace(/rn/g, "m").replace(/vv/g, "w")) out += LEET[char] ?? char;
  return out.replace(/-/g, "");
}

/** The brand a label imitates: equal after undoing look-alike characters, or one character added. */
function imitatedBrand(label: string): string | undefined {
  const normalized = normalizeLookalike(label);
  for (const brand of Object.keys(BRANDS)) {
    if (normalized === brand && label !== brand) return brand;
    if (normalized.length === brand.length + 1 && brand.length >= 5) {
      for (let i = 0; i < normalized.length; i++) if (normalized.slice(0, i) + normalized.slice(i + 1) === brand) return brand;
    }
  }
  return undefined;
}

function officialFor(brand: string, host: string): boolean {
  return (BRANDS[brand] ?? []).some((domain) => underDomain(host, domain));
}

/**
 * How strongly the host imitates a brand it does not belong to: the brand as the registrable
 * name under another TLD, as a subdomain of another domain, or imitated with look-alike
 * characters (0.85); the brand as one hyphenated part of the name (0.45: "apple-recipes" is
 * usually innocent, "paypal-login" is not, and phishing words add their own score).
 */
function brandSignal(host: string, registrable: string, labels: readonly string[]): number {
  const name = registrable.split(".")[0] ?? "";
  const subdomains = labels.slice(0, -2);
  let weak = 0;
  for (const brand of Object.keys(BRANDS)) {
    if (officialFor(brand, host)) continue;
    if (name === brand || subdomains.includes(brand)) return 0.85;
    if (name.split("-").includes(brand)) weak = 0.45;
  }
  for (const part of [name, ...name.split("-")]) {
    const brand = imitatedBrand(part);
    if (brand !== undefined && !officialFor(brand, host)) return 0.85;
  }
  return weak;
}

export class UrlScorer {
  private readonly blocked: readonly string[];
  private readonly allowed: readonly string[];

  constructor(blocked: readonly string[] = [], allowed: readonly string[] = []) {
    this.blocked = blocked.map((domain) => domain.toLowerCase().replace(/^\*?\./, ""));
    this.allowed = allowed.map((domain) => domain.toLowerCase().replace(/^\*?\./, ""));
  }

  score(raw: string): UrlFinding {
    const lowerRaw = raw.toLowerCase();
    if (/^(?:javascript|vbscript):/.test(lowerRaw) || /^data:(?:text\/html|application\/(?:x-)?javascript|image\/svg)/.test(lowerRaw)) return { score: 1, signals: ["scheme"] };
    let url: URL;
    try {
      url = new URL(/^[a-z][a-z0-9+.-]*:/.test(lowerRaw) ? raw : `http://${raw}`);
    } catch {
      return { score: 0, signals: [] };
    }
    if (url.protocol === "data:") return { score: 0, signals: [] };
    if (url.protocol === "file:") return { score: 0.6, signals: ["file_scheme"] };
    const host = url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "");
    if (this.allowed.some((domain) => underDomain(host, domain))) return { score: 0, signals: [] };
    if (this.blocked.some((domain) => underDomain(host, domain))) return { score: 1, signals: ["blocklist"] };
    const signals: string[] = [];
    const scores: number[] = [];
    const add = (signal: string, weight: number): void => {
      signals.push(signal);
      scores.push(weight);
    };
    if (url.username !== "" || url.password !== "") add("userinfo", 0.9);
    if (IPV4.test(host) || host.includes(":") || INTEGER_HOST.test(host)) add(PRIVATE_IPV4.test(host) || host === "::1" ? "private_ip" : "ip_host", PRIVATE_IPV4.test(host) || host === "::1" ? 0.1 : 0.6);
    if (host.split(".").some((label) => label.startsWith("xn--")) || NON_ASCII.test(url.host)) add("punycode", 0.7);
    const registrable = registrableDomain(host);
    if (SHORTENERS.has(host) || SHORTENERS.has(registrable)) add("shortener", 0.6);
    const labels = host.split(".");
    const tld = labels.at(-1) ?? "";
    const lookalike = brandSignal(host, registrable, labels);
    if (lookalike > 0) add("lookalike", lookalike);
    if (SUSPICIOUS_TLDS.has(tld)) add("tld", 0.35);
    if (PHISHING_WORDS.test(host) || PHISHING_WORDS.test(url.pathname)) add("phishing_words", 0.3);
    if (EXECUTABLE.test(url.pathname)) add("executable", 0.5);
    if (labels.length >= 6 || host.length > 60) add("long_host", 0.2);
    return { score: combineScores(scores), signals };
  }
}

/** Every URL in the text, with where it ends. */
export function findUrls(text: string): Array<{ url: string; end: number }> {
  if (!MAYBE_URL.test(text)) return [];
  const found: Array<{ url: string; end: number }> = [];
  URL_PATTERN.lastIndex = 0;
  for (let match = URL_PATTERN.exec(text); match !== null; match = URL_PATTERN.exec(text)) {
    const url = match[0].replace(/[.,;:!?]+$/, "");
    found.push({ url, end: match.index + url.length });
  }
  return found;
}

export function maliciousUrls(settings: ScannerSettings, options: MaliciousUrlsOptions): Scanner {
  const threshold = options.threshold ?? DEFAULT_URL_THRESHOLD;
  const scorer = new UrlScorer(options.blocked_domains, options.allowed_domains);
  return {
    ...settings,
    roles: "all",
    scan(input: ScanText): Verdict {
      let worst = 0;
      for (const { url, end } of findUrls(input.text)) {
        if (end <= input.from) continue;
        const finding = scorer.score(url);
        if (finding.score >= threshold) return { action: "block", score: finding.score, reason: "malicious_url", detail: finding.signals.join(",") };
        worst = Math.max(worst, finding.score);
      }
      return allow(worst);
    },
  };
}
