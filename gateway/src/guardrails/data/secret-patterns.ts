/**
 * Secrets' patterns: credential formats of the major clouds and SaaS, private keys, JWTs,
 * passwords in URLs and in assignments. A pattern runs only when the text contains one of its
 * needles (a literal every match contains; all needles are found in one regex pass), or, for
 * patterns that start with a keyword, only where one of its anchor words occurs (word index). A `<name>_value` group, when present,
 * is the part to redact. Formats follow the providers' documented prefixes and lengths.
 */

export interface SecretPattern {
  readonly id: string;
  readonly source: string;
  /** Literals (case-sensitive) one of which every match contains; none: the pattern always runs. */
  readonly needles: readonly string[];
  /** Instead of needles: the (lowercase) words a match starts with; tried only where they occur. */
  readonly anchors: readonly string[];
}

/**
 * `text` matching in any case, as a plain group: each ASCII letter outside a character class
 * becomes `[xX]`. (RegExp modifiers, `(?i:…)`, need Node 23+; Pharos runs on Node 22 too.)
 */
export function caseless(text: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === "\\") {
      out += char + (text[i + 1] ?? "");
      i += 1;
      continue;
    }
    if (char === "[") inClass = true;
    else if (char === "]") inClass = false;
    const lower = char.toLowerCase();
    out += !inClass && lower !== char.toUpperCase() ? `[${lower}${char.toUpperCase()}]` : char;
  }
  return `(?:${out})`;
}

/** A pattern with needles ("" for none: it always runs). */
const p = (id: string, needles: string, source: string): SecretPattern => ({ id, source, needles: needles === "" ? [] : needles.split("|"), anchors: [] });
/** A pattern that starts with one of `anchors` (whole words, any case). */
const w = (id: string, anchors: string, source: string): SecretPattern => ({ id, source, needles: [], anchors: anchors.split("|") });

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  // -- private keys and tokens with a self-describing shape --------------------------------------
  p("private_key", "PRIVATE KEY", String.raw`-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----`),
  p("jwt", "eyJ", String.raw`(?<![\w-])eyJ[A-Za-z0-9_-]{10,512}\.eyJ[A-Za-z0-9_-]{10,512}\.[A-Za-z0-9_-]{10,512}`),
  // -- clouds -------------------------------------------------------------------------------------
  p("aws_access_key", "AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA", String.raw`(?<![\w-])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[0-9A-Z]{16}\b`),
  w("aws_secret_key", "aws", String.raw`${caseless(String.raw`aws`)}[\w .-]{0,20}?${caseless(String.raw`secret`)}[\w .-]{0,20}?["']?\s*[:=]\s*["']?(?<aws_secret_key_value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])`),
  p("gcp_api_key", "AIza", String.raw`(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])`),
  p("gcp_service_account", "private_key_id", String.raw`"private_key_id"\s*:\s*"(?<gcp_service_account_value>[0-9a-f]{40})"`),
  p("azure_storage_key", "AccountKey=", String.raw`AccountKey=(?<azure_storage_key_value>[A-Za-z0-9+/]{86}==)`),
  p("azure_sas_token", "sig=", String.raw`[?&]sig=(?<azure_sas_token_value>[A-Za-z0-9%/+]{30,512}={0,2})`),
  p("digitalocean_token", "_v1_", String.raw`(?<![\w-])do[por]_v1_[a-f0-9]{64}\b`),
  p("databricks_token", "dapi", String.raw`(?<![\w-])dapi[a-h0-9]{32}\b`),
  // -- AI providers --------------------------------------------------------------------------------
  p("anthropic_key", "sk-ant-", String.raw`(?<![\w-])sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,512}`),
  p("openai_key", "sk-", String.raw`(?<![\w-])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,512}T3BlbkFJ[A-Za-z0-9_-]{20,512}|(?<![\w-])sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,512}`),
  p("sk_key", "sk-", String.raw`(?<![\w-])sk-[A-Za-z0-9]{20,512}\b`),
  p("huggingface_token", "hf_", String.raw`(?<![\w-])hf_[A-Za-z]{34}\b`),
  // -- code hosting and package registries ---------------------------------------------------------
  p("github_token", "ghp_|gho_|ghu_|ghs_|ghr_|github_pat_", String.raw`(?<![\w-])gh[pousr]_[A-Za-z0-9]{36,255}\b|(?<![\w-])github_pat_[A-Za-z0-9_]{60,255}\b`),
  p("gitlab_token", "glpat-", String.raw`(?<![\w-])glpat-[A-Za-z0-9_-]{20,512}`),
  p("npm_token", "npm_", String.raw`(?<![\w-])npm_[A-Za-z0-9]{36}\b`),
  p("pypi_token", "pypi-", String.raw`(?<![\w-])pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,512}`),
  p("atlassian_token", "ATATT3", String.raw`(?<![\w-])ATATT3[A-Za-z0-9_=-]{100,512}`),
  // -- SaaS ------------------------------------------------------------------------------------------
  p("slack_token", "xox", String.raw`(?<![\w-])xox[abposr]-[A-Za-z0-9-]{10,512}`),
  p("slack_webhook", "hooks.slack.com", String.raw`https://hooks\.slack\.com/(?:services|workflows)/(?<slack_webhook_value>[A-Za-z0-9/_-]{20,512})`),
  p("stripe_key", "_live_|_test_", String.raw`(?<![\w-])(?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{20,512}\b`),
  p("sendgrid_key", "SG.", String.raw`(?<![\w-])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![\w-])`),
  p("twilio_key", "SK", String.raw`(?<![\w-])SK[0-9a-fA-F]{32}\b`),
  p("mailgun_key", "key-", String.raw`(?<![\w-])key-[0-9a-zA-Z]{32}\b`),
  p("mailchimp_key", "-us", String.raw`(?<![\w-])[0-9a-f]{32}-us\d{1,2}\b`),
  p("shopify_token", "shp", String.raw`(?<![\w-])shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b`),
  p("square_token", "sq0", String.raw`(?<![\w-])sq0(?:atp|csp)-[0-9A-Za-z_-]{22,43}`),
  // No literal in common: a cheap regex (it fails fast: few words start with M, N or O and run 24 characters).
  p("discord_token", "", String.raw`(?<![\w-])[MNO][A-Za-z\d_-]{23,25}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,38}(?![\w-])`),
  p("telegram_token", ":AA", String.raw`(?<![0-9])\d{8,10}:AA[A-Za-z0-9_-]{33}(?![\w-])`),
  // -- passwords -------------------------------------------------------------------------------------
  p("password_in_url", "://", String.raw`(?<![\w-])[a-zA-Z][a-zA-Z0-9+.-]{1,15}://[^\s:/@"'<>]{1,64}:(?<password_in_url_value>[^\s/@"'<>]{1,128})@[\w.-]`),
  w("basic_auth", "authorization", String.raw`${caseless(String.raw`authorization`)}["']?\s*[:=]\s*["']?${caseless(String.raw`basic`)}\s+(?<basic_auth_value>[A-Za-z0-9+/]{8,512}={0,2})`),
  w("bearer_token", "bearer", String.raw`${caseless(String.raw`bearer`)}\s+(?<bearer_token_value>[A-Za-z0-9_.~+/-]{20,512}={0,2})`),
  w("assignment", "password|passwd|pwd|pass|secret|api|apikey|access|auth|client|private|token", String.raw`(?<![A-Za-z0-9])${caseless(String.raw`password|passwd|pwd|pass|secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|client[_-]?secret|secret[_-]?key|private[_-]?key|token`)}["']?\s*[:=]\s*["']?(?<assignment_value>[^\s"',;}{)(\]\[<>]{8,128})`),
];

/** Values that are obviously placeholders, not secrets (in assignments and URLs). */
export const PLACEHOLDER = /^(?:\*+|x+|\.{3,512}|<[^>]*>|\$\{[^}]*\}|\$[A-Z_]+|\{\{[^}]*\}\}|%[A-Z_]+%|(?:your|my|the|some)[_-]\w*|changeme|password|passw0rd|secret|example\w*|placeholder|redacted|\[redacted\w*\]|null|none|undefined|true|false|os\.environ\/\w+|process\.env\.\w+)$/i;
