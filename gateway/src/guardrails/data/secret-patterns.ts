/**
 * Secrets' patterns: credential formats of the major clouds and SaaS, private keys, JWTs,
 * passwords in URLs and in assignments. Each pattern is a named group of one combined regex
 * (one pass over the text); a `<name>_value` group, when present, is the part to redact.
 * Formats follow the providers' documented prefixes and lengths.
 */

export interface SecretPattern {
  readonly id: string;
  readonly source: string;
}

const p = (id: string, source: string): SecretPattern => ({ id, source });

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  // -- private keys and tokens with a self-describing shape --------------------------------------
  p("private_key", String.raw`-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----`),
  p("jwt", String.raw`\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}`),
  // -- clouds -------------------------------------------------------------------------------------
  p("aws_access_key", String.raw`\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[0-9A-Z]{16}\b`),
  p("aws_secret_key", String.raw`(?i:aws)[\w .-]{0,20}?(?i:secret)[\w .-]{0,20}?["']?\s*[:=]\s*["']?(?<aws_secret_key_value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])`),
  p("gcp_api_key", String.raw`\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])`),
  p("gcp_service_account", String.raw`"private_key_id"\s*:\s*"(?<gcp_service_account_value>[0-9a-f]{40})"`),
  p("azure_storage_key", String.raw`AccountKey=(?<azure_storage_key_value>[A-Za-z0-9+/]{86}==)`),
  p("azure_sas_token", String.raw`[?&]sig=(?<azure_sas_token_value>[A-Za-z0-9%/+]{30,}={0,2})`),
  p("digitalocean_token", String.raw`\bdo[por]_v1_[a-f0-9]{64}\b`),
  p("databricks_token", String.raw`\bdapi[a-h0-9]{32}\b`),
  // -- AI providers --------------------------------------------------------------------------------
  p("anthropic_key", String.raw`\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,}`),
  p("openai_key", String.raw`\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}|\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}`),
  p("sk_key", String.raw`\bsk-[A-Za-z0-9]{20,}\b`),
  p("huggingface_token", String.raw`\bhf_[A-Za-z]{34}\b`),
  // -- code hosting and package registries ---------------------------------------------------------
  p("github_token", String.raw`\bgh[pousr]_[A-Za-z0-9]{36,255}\b|\bgithub_pat_[A-Za-z0-9_]{60,255}\b`),
  p("gitlab_token", String.raw`\bglpat-[A-Za-z0-9_-]{20,}`),
  p("npm_token", String.raw`\bnpm_[A-Za-z0-9]{36}\b`),
  p("pypi_token", String.raw`\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}`),
  p("atlassian_token", String.raw`\bATATT3[A-Za-z0-9_=-]{100,}`),
  // -- SaaS ------------------------------------------------------------------------------------------
  p("slack_token", String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`),
  p("slack_webhook", String.raw`https://hooks\.slack\.com/(?:services|workflows)/(?<slack_webhook_value>[A-Za-z0-9/_-]{20,})`),
  p("stripe_key", String.raw`\b(?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{20,}\b`),
  p("sendgrid_key", String.raw`\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![\w-])`),
  p("twilio_key", String.raw`\bSK[0-9a-fA-F]{32}\b`),
  p("mailgun_key", String.raw`\bkey-[0-9a-zA-Z]{32}\b`),
  p("mailchimp_key", String.raw`\b[0-9a-f]{32}-us\d{1,2}\b`),
  p("shopify_token", String.raw`\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b`),
  p("square_token", String.raw`\bsq0(?:atp|csp)-[0-9A-Za-z_-]{22,43}`),
  p("discord_token", String.raw`\b[MNO][A-Za-z\d_-]{23,25}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,38}(?![\w-])`),
  p("telegram_token", String.raw`(?<![0-9])\d{8,10}:AA[A-Za-z0-9_-]{33}(?![\w-])`),
  // -- passwords -------------------------------------------------------------------------------------
  p("password_in_url", String.raw`\b[a-zA-Z][a-zA-Z0-9+.-]{1,15}://[^\s:/@"'<>]{1,64}:(?<password_in_url_value>[^\s/@"'<>]{1,128})@[\w.-]`),
  p("basic_auth", String.raw`(?i:authorization)["']?\s*[:=]\s*["']?(?i:basic)\s+(?<basic_auth_value>[A-Za-z0-9+/]{8,}={0,2})`),
  p("bearer_token", String.raw`(?i:bearer)\s+(?<bearer_token_value>[A-Za-z0-9_.~+/-]{20,}={0,2})`),
  p("assignment", String.raw`\b(?i:password|passwd|pwd|pass|secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|client[_-]?secret|secret[_-]?key|private[_-]?key|token)["']?\s*[:=]\s*["']?(?<assignment_value>[^\s"',;}{)(\]\[<>]{8,128})`),
];

/** Values that are obviously placeholders, not secrets (in assignments and URLs). */
export const PLACEHOLDER = /^(?:\*+|x+|\.{3,}|<[^>]*>|\$\{[^}]*\}|\$[A-Z_]+|\{\{[^}]*\}\}|%[A-Z_]+%|(?:your|my|the|some)[_-]\w*|changeme|password|passw0rd|secret|example\w*|placeholder|redacted|\[redacted\w*\]|null|none|undefined|true|false|os\.environ\/\w+|process\.env\.\w+)$/i;
