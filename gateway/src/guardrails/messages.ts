/**
 * The messages a blocked client reads, in English, Vietnamese, French, German, Spanish, Japanese
 * and Chinese, chosen by Accept-Language when `llm_guard.multilingual_errors` is on (English
 * otherwise). A message names the guardrail, never the offending text.
 */
import type { Language } from "./kinds.ts";
import type { BlockReason, Phase } from "./scanner.ts";

type Templates = Readonly<Record<Phase, Partial<Readonly<Record<BlockReason, string>>>>>;

const MESSAGES: Readonly<Record<Language, Templates>> = {
  en: {
    input: {
      banned_substring: "Your request contains content that is not allowed here.",
      prompt_injection: "Your request looks like a prompt-injection attempt (an attempt to override the assistant's instructions).",
      toxicity: "Your request contains abusive or toxic language.",
      secret: "Your request contains what looks like a secret (an API key, token, private key or password). Remove it and try again.",
      token_limit: "Your request is too long: it exceeds the limit of {limit} tokens.",
      unavailable: "A safety check could not be completed in time, so your request was not sent. Please try again.",
    },
    output: {
      banned_substring: "The model's response contained content that is not allowed here.",
      toxicity: "The model's response contained abusive or toxic language.",
      malicious_url: "The model's response contained a link that looks malicious.",
      refusal: "The model declined to answer this request.",
      code: "The model's response contained code, which is not allowed here.",
      unavailable: "A safety check on the model's response could not be completed in time.",
    },
  },
  vi: {
    input: {
      banned_substring: "Yêu cầu của bạn chứa nội dung không được phép.",
      prompt_injection: "Yêu cầu của bạn có dấu hiệu tấn công chèn lệnh (prompt injection), tức là cố ghi đè chỉ dẫn của trợ lý.",
      toxicity: "Yêu cầu của bạn chứa ngôn từ xúc phạm hoặc độc hại.",
      secret: "Yêu cầu của bạn có vẻ chứa thông tin bí mật (khóa API, token, khóa riêng hoặc mật khẩu). Hãy xóa thông tin đó rồi thử lại.",
      token_limit: "Yêu cầu của bạn quá dài: vượt quá giới hạn {limit} token.",
      unavailable: "Không thể hoàn tất kiểm tra an toàn kịp thời nên yêu cầu của bạn chưa được gửi. Vui lòng thử lại.",
    },
    output: {
      banned_substring: "Phản hồi của mô hình chứa nội dung không được phép.",
      toxicity: "Phản hồi của mô hình chứa ngôn từ xúc phạm hoặc độc hại.",
      malicious_url: "Phản hồi của mô hình chứa đường dẫn có dấu hiệu độc hại.",
      refusal: "Mô hình đã từ chối trả lời yêu cầu này.",
      code: "Phản hồi của mô hình chứa mã nguồn, điều không được phép ở đây.",
      unavailable: "Không thể hoàn tất kiểm tra an toàn cho phản hồi của mô hình kịp thời.",
    },
  },
  fr: {
    input: {
      banned_substring: "Votre requête contient un contenu non autorisé.",
      prompt_injection: "Votre requête ressemble à une tentative d'injection de prompt (une tentative de contourner les instructions de l'assistant).",
      toxicity: "Votre requête contient des propos injurieux ou toxiques.",
      secret: "Votre requête semble contenir un secret (clé d'API, jeton, clé privée ou mot de passe). Retirez-le et réessayez.",
      token_limit: "Votre requête est trop longue : elle dépasse la limite de {limit} tokens.",
      unavailable: "Un contrôle de sécurité n'a pas pu aboutir à temps ; votre requête n'a pas été envoyée. Veuillez réessayer.",
    },
    output: {
      banned_substring: "La réponse du modèle contenait un contenu non autorisé.",
      toxicity: "La réponse du modèle contenait des propos injurieux ou toxiques.",
      malicious_url: "La réponse du modèle contenait un lien qui semble malveillant.",
      refusal: "Le modèle a refusé de répondre à cette requête.",
      code: "La réponse du modèle contenait du code, ce qui n'est pas autorisé ici.",
      unavailable: "Le contrôle de sécurité de la réponse du modèle n'a pas pu aboutir à temps.",
    },
  },
  de: {
    input: {
      banned_substring: "Ihre Anfrage enthält Inhalte, die hier nicht erlaubt sind.",
      prompt_injection: "Ihre Anfrage sieht nach einem Prompt-Injection-Versuch aus (einem Versuch, die Anweisungen des Assistenten auszuhebeln).",
      toxicity: "Ihre Anfrage enthält beleidigende oder toxische Sprache.",
      secret: "Ihre Anfrage scheint ein Geheimnis zu enthalten (API-Schlüssel, Token, privater Schlüssel oder Passwort). Entfernen Sie es und versuchen Sie es erneut.",
      token_limit: "Ihre Anfrage ist zu lang: Sie überschreitet das Limit von {limit} Tokens.",
      unavailable: "Eine Sicherheitsprüfung konnte nicht rechtzeitig abgeschlossen werden, daher wurde Ihre Anfrage nicht gesendet. Bitte versuchen Sie es erneut.",
    },
    output: {
      banned_substring: "Die Antwort des Modells enthielt Inhalte, die hier nicht erlaubt sind.",
      toxicity: "Die Antwort des Modells enthielt beleidigende oder toxische Sprache.",
      malicious_url: "Die Antwort des Modells enthielt einen Link, der bösartig erscheint.",
      refusal: "Das Modell hat die Beantwortung dieser Anfrage abgelehnt.",
      code: "Die Antwort des Modells enthielt Code, der hier nicht erlaubt ist.",
      unavailable: "Die Sicherheitsprüfung der Antwort des Modells konnte nicht rechtzeitig abgeschlossen werden.",
    },
  },
  es: {
    input: {
      banned_substring: "Tu solicitud contiene contenido no permitido.",
      prompt_injection: "Tu solicitud parece un intento de inyección de prompt (un intento de anular las instrucciones del asistente).",
      toxicity: "Tu solicitud contiene lenguaje ofensivo o tóxico.",
      secret: "Tu solicitud parece contener un secreto (una clave de API, un token, una clave privada o una contraseña). Elimínalo e inténtalo de nuevo.",
      token_limit: "Tu solicitud es demasiado larga: supera el límite de {limit} tokens.",
      unavailable: "No se pudo completar a tiempo una comprobación de seguridad, así que tu solicitud no se envió. Inténtalo de nuevo.",
    },
    output: {
      banned_substring: "La respuesta del modelo contenía contenido no permitido.",
      toxicity: "La respuesta del modelo contenía lenguaje ofensivo o tóxico.",
      malicious_url: "La respuesta del modelo contenía un enlace que parece malicioso.",
      refusal: "El modelo se negó a responder a esta solicitud.",
      code: "La respuesta del modelo contenía código, lo cual no está permitido aquí.",
      unavailable: "No se pudo completar a tiempo la comprobación de seguridad de la respuesta del modelo.",
    },
  },
  ja: {
    input: {
      banned_substring: "リクエストに許可されていない内容が含まれています。",
      prompt_injection: "リクエストがプロンプトインジェクション（アシスタントの指示を無効にしようとする試み）の可能性があります。",
      toxicity: "リクエストに攻撃的または有害な表現が含まれています。",
      secret: "リクエストに秘密情報（APIキー、トークン、秘密鍵、パスワードなど）が含まれているようです。削除してから再度お試しください。",
      token_limit: "リクエストが長すぎます。上限の{limit}トークンを超えています。",
      unavailable: "安全性チェックが時間内に完了しなかったため、リクエストは送信されませんでした。もう一度お試しください。",
    },
    output: {
      banned_substring: "モデルの応答に許可されていない内容が含まれていました。",
      toxicity: "モデルの応答に攻撃的または有害な表現が含まれていました。",
      malicious_url: "モデルの応答に悪意のある可能性があるリンクが含まれていました。",
      refusal: "モデルはこのリクエストへの回答を拒否しました。",
      code: "モデルの応答にコードが含まれていました。ここではコードは許可されていません。",
      unavailable: "モデルの応答の安全性チェックが時間内に完了しませんでした。",
    },
  },
  zh: {
    input: {
      banned_substring: "您的请求包含不允许的内容。",
      prompt_injection: "您的请求疑似提示词注入攻击（试图覆盖助手的指令）。",
      toxicity: "您的请求包含辱骂或有害的言论。",
      secret: "您的请求似乎包含机密信息（API 密钥、令牌、私钥或密码）。请删除后重试。",
      token_limit: "您的请求过长：超过了 {limit} 个令牌的上限。",
      unavailable: "安全检查未能及时完成，您的请求未被发送。请重试。",
    },
    output: {
      banned_substring: "模型的回复包含不允许的内容。",
      toxicity: "模型的回复包含辱骂或有害的言论。",
      malicious_url: "模型的回复包含疑似恶意的链接。",
      refusal: "模型拒绝回答此请求。",
      code: "模型的回复包含代码，此处不允许输出代码。",
      unavailable: "未能及时完成对模型回复的安全检查。",
    },
  },
};

const SUPPORTED = new Set<string>(Object.keys(MESSAGES));

/**
 * The best supported language in an Accept-Language header (by q-value, then order), or "en".
 * `vi-VN` → vi, `zh-TW` → zh (the messages are in Simplified Chinese), `*` → en.
 */
export function negotiateLanguage(header: string | undefined): Language {
  if (header === undefined || header === "") return "en";
  let best: Language = "en";
  let bestQ = 0;
  for (const part of header.split(",").slice(0, 20)) {
    const [tag = "", ...params] = part.trim().split(";");
    const primary = tag.trim().toLowerCase().split("-")[0] ?? "";
    let q = 1;
    for (const param of params) {
      const [key, value] = param.trim().split("=");
      if (key === "q" && value !== undefined) q = Number(value);
    }
    if (!Number.isFinite(q) || q <= bestQ) continue;
    if (SUPPORTED.has(primary)) {
      best = primary as Language;
      bestQ = q;
    }
  }
  return best;
}

/** The client message for a block: localized text, then the guardrail's name. */
export function blockMessage(language: Language, phase: Phase, reason: BlockReason, name: string, params?: Readonly<Record<string, number>>): string {
  const templates = MESSAGES[language];
  const template = templates[phase][reason] ?? templates.input[reason] ?? templates.output[reason] ?? MESSAGES.en.input.banned_substring!;
  const text = template.replace(/\{(\w+)\}/g, (whole, key: string) => (params?.[key] !== undefined ? String(params[key]) : whole));
  return `${text} (guardrail: ${name})`;
}

/** Every language with a message for every reason of a phase (tested). */
export function messageTable(): Readonly<Record<Language, Templates>> {
  return MESSAGES;
}
