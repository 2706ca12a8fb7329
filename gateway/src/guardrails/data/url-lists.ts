/**
 * MaliciousURLs' lists: link shorteners (they hide the destination), top-level domains that
 * phishing campaigns favour, brands that lookalike domains imitate (with their real domains),
 * and the second-level public suffixes needed to find a host's registrable domain.
 */

export const SHORTENERS: ReadonlySet<string> = new Set([
  "bit.ly", "bitly.com", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "v.gd", "buff.ly", "rebrand.ly", "cutt.ly", "shorturl.at",
  "tiny.cc", "rb.gy", "t.ly", "s.id", "soo.gd", "shorte.st", "adf.ly", "bc.vc", "qr.ae", "x.co", "tr.im", "clck.ru", "u.to", "tiny.one",
  "short.io", "bl.ink", "lnkd.in", "urlz.fr", "zpr.io", "shrtco.de", "2no.co", "iplogger.org", "grabify.link",
]);

export const SUSPICIOUS_TLDS: ReadonlySet<string> = new Set([
  "zip", "mov", "tk", "ml", "ga", "cf", "gq", "xyz", "top", "click", "country", "kim", "work", "loan", "win", "bid", "gdn", "men",
  "party", "review", "date", "stream", "download", "racing", "science", "cricket", "accountant", "faith", "su", "rest", "cam", "icu",
]);

/** Brand → its real registrable domains. */
export const BRANDS: Readonly<Record<string, readonly string[]>> = {
  paypal: ["paypal.com", "paypal.me", "paypalobjects.com"],
  google: ["google.com", "googleapis.com", "gstatic.com", "googleusercontent.com", "google.co.uk", "google.de", "google.fr", "google.es", "google.co.jp", "google.com.vn", "google.cn"],
  microsoft: ["microsoft.com", "microsoftonline.com", "live.com", "office.com", "outlook.com", "azure.com", "windows.net", "msn.com"],
  apple: ["apple.com", "icloud.com", "apple.co"],
  icloud: ["icloud.com", "apple.com"],
  amazon: ["amazon.com", "amazon.co.uk", "amazon.de", "amazon.fr", "amazon.es", "amazon.co.jp", "amazonaws.com", "aws.amazon.com"],
  facebook: ["facebook.com", "fb.com", "meta.com", "fbcdn.net"],
  instagram: ["instagram.com"],
  whatsapp: ["whatsapp.com", "whatsapp.net", "wa.me"],
  netflix: ["netflix.com"],
  linkedin: ["linkedin.com"],
  github: ["github.com", "github.io", "githubusercontent.com"],
  dropbox: ["dropbox.com"],
  outlook: ["outlook.com", "live.com", "office.com"],
  office365: ["office.com", "microsoft.com"],
  chase: ["chase.com"],
  wellsfargo: ["wellsfargo.com"],
  bankofamerica: ["bankofamerica.com"],
  coinbase: ["coinbase.com"],
  binance: ["binance.com"],
  metamask: ["metamask.io"],
  twitter: ["twitter.com", "x.com", "twimg.com"],
  steam: ["steampowered.com", "steamcommunity.com"],
  docusign: ["docusign.com", "docusign.net"],
  adobe: ["adobe.com"],
  vietcombank: ["vietcombank.com.vn"],
};

/** Second-level labels under which registrations happen (example.co.uk → registrable is the third label). */
export const SECOND_LEVEL_SUFFIXES: ReadonlySet<string> = new Set([
  "co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.jp", "ne.jp", "or.jp", "com.vn", "net.vn", "org.vn", "edu.vn",
  "gov.vn", "com.br", "com.cn", "com.mx", "co.in", "co.nz", "co.za", "com.sg", "com.tw", "com.hk", "co.kr", "com.tr", "com.ar", "github.io",
]);

/** Words phishing hosts and paths are made of. */
export const PHISHING_WORDS = /(?:^|[.\-/_])(?:login|log-in|signin|sign-in|verify|verification|account|secure|security|update|wallet|banking|password|confirm|unlock|suspended|billing|recover)(?:$|[.\-/_?])/;

export const EXECUTABLE = /\.(?:exe|scr|msi|bat|cmd|ps1|vbs|jar|apk|pif|hta|lnk)(?:$|[?#])/i;
