/**
 * NoRefusal's rules: how models phrase a refusal, in the seven languages Pharos localizes.
 * Strong, whole refusals ("I'm sorry, but I can't help with that") weigh 0.8–0.9; hedges that
 * also occur in helpful answers ("I can't provide exact figures") weigh less.
 */
import { anchoredRule, cjkRule } from "../rule-set.ts";
import type { PhraseRule } from "../rule-set.ts";

const rule = (id: string, weight: number, anchors: string, source: string): PhraseRule => anchoredRule(id, weight, anchors, source, {});
const cjk = (id: string, weight: number, source: string): PhraseRule => cjkRule(id, weight, source, {});

const I = String.raw`(?<=\b(?:i|we)\s+)`;
const CANNOT = String.raw`(?:can't|can’t|cannot|can\s+not|won't|won’t|will\s+not|am\s+(?:not\s+able|unable)|'m\s+(?:not\s+able|unable)|must\s+decline)`;
const HELP = String.raw`(?:help|assist|comply|fulfill|fulfil|support|do\s+that|provide|create|generate|write|engage|answer|share|give|continue)`;

export const REFUSAL_RULES: readonly PhraseRule[] = [
  rule("en.sorry_cannot", 0.9, "sorry", String.raw`(?<=\b(?:i'm|i’m|i\s+am|we're|we\s+are)\s+(?:really\s+|very\s+|so\s+|truly\s+)?)sorry,?\s+(?:but\s+)?(?:i|we)\s*${CANNOT}`),
  rule("en.apologize_cannot", 0.85, "apologize|apologise|apologies", String.raw`(?:apologi[sz]e|apologies),?\s+(?:but\s+)?(?:i|we)\s*${CANNOT}`),
  rule("en.cannot_help_with", 0.8, "can|cannot|won|will", String.raw`${I}${CANNOT}\s+${HELP}\s+(?:you\s+)?(?:with\s+)?(?:that|this|your\s+request|that\s+request|this\s+request)\b`),
  rule("en.cannot_and_will_not", 0.9, "cannot|can", String.raw`${I}(?:cannot|can't|can’t)\s+and\s+(?:will\s+not|won't|won’t)\b`),
  rule("en.cannot_verb", 0.4, "can|cannot|won|will|am", String.raw`${I}${CANNOT}\s+${HELP}\b`),
  rule("en.unable", 0.55, "not|unable", String.raw`(?<=\b(?:i'm|i’m|i\s+am)\s+)(?:not\s+able|unable)\s+to\s+${HELP}`),
  rule("en.as_an_ai", 0.7, "ai", String.raw`(?<=\bas\s+an\s+)ai(?:\s+(?:language\s+)?model)?(?:\s+developed\s+by\s+\w+)?,?\s+i\s+(?:cannot|can't|can’t|don't|do\s+not|am\s+not\s+able|am\s+unable|won't)`),
  rule("en.decline", 0.8, "decline", String.raw`(?<=\b(?:i|we)\s+(?:must|have\s+to|'ll\s+have\s+to|will\s+have\s+to|need\s+to)\s+)(?:respectfully\s+)?decline`),
  rule("en.against_guidelines", 0.8, "against|violation|violates", String.raw`(?:against|violation\s+of|violates)\s+(?:my|our|openai's|the)\s+(?:guidelines|policies|polic(?:y|ies)|programming|principles|usage\s+polic(?:y|ies)|content\s+polic(?:y|ies)|terms)`),
  rule("en.not_comfortable", 0.5, "comfortable", String.raw`(?<=\b(?:i'm|i’m|i\s+am)\s+not\s+)comfortable\s+(?:providing|helping|writing|creating|sharing|generating|with)`),
  rule("en.not_able_to_provide", 0.6, "able", String.raw`(?<=\b(?:i|we)\s+(?:won't|won’t|will\s+not)\s+be\s+)able\s+to\s+${HELP}`),
  rule("fr.sorry_cannot", 0.9, "désolé|désolée|navré|navrée", String.raw`(?:désolée?|navrée?),?\s+(?:mais\s+)?je\s+ne\s+(?:peux|pourrai|suis\s+pas\s+en\s+mesure)`),
  rule("fr.cannot_help", 0.7, "ne", String.raw`(?<=\bje\s+)ne\s+(?:peux|pourrai)\s+pas\s+(?:vous\s+|t'|t’)?(?:aider|répondre|fournir|assister)`),
  rule("de.sorry_cannot", 0.9, "tut|leider|entschuldigung", String.raw`(?:tut\s+mir\s+leid|leider|entschuldigung),?\s+(?:aber\s+)?(?:(?:kann|darf)\s+ich|ich\s+(?:kann|darf))\s+(?:(?:dabei|damit|ihnen|dir|hier)\s+){0,2}(?:nicht|keine)`),
  rule("de.cannot_help", 0.7, "kann", String.raw`(?<=\bich\s+)kann\s+(?:ihnen|dir)\s+(?:dabei|damit)\s+nicht\s+helfen`),
  rule("es.sorry_cannot", 0.9, "lo|lamento|disculpa|disculpe", String.raw`(?:lo\s+siento|lamento|disculpa|disculpe),?\s+(?:pero\s+)?no\s+(?:puedo|podré|me\s+es\s+posible)`),
  rule("es.cannot_help", 0.7, "no", String.raw`no\s+puedo\s+(?:ayudarte|ayudarle|ayudar|asistir|responder|proporcionar)(?:\s+con\s+(?:eso|esto|esa\s+solicitud))?`),
  rule("vi.sorry_cannot", 0.9, "xin|rất|tôi", String.raw`(?:xin\s+lỗi|rất\s+tiếc|tôi\s+xin\s+lỗi),?\s+(?:nhưng\s+)?(?:tôi|mình)\s+không\s+thể`),
  rule("vi.cannot_help", 0.7, "tôi|mình", String.raw`(?:tôi|mình)\s+không\s+thể\s+(?:giúp|hỗ\s+trợ|cung\s+cấp|trả\s+lời|thực\s+hiện)`),
  cjk("ja.sorry", 0.6, String.raw`申し訳(?:ありませんが|ございませんが|ないのですが)`),
  cjk("ja.cannot", 0.7, String.raw`(?:お手伝い|お答え|対応|回答|提供)(?:することは)?(?:でき|致し)(?:ません|かねます)`),
  cjk("zh.sorry_cannot", 0.9, String.raw`(?:抱歉|对不起|很抱歉)[，,]?\s*(?:但是?)?我(?:不能|无法|没办法)`),
  cjk("zh.cannot_help", 0.7, String.raw`我(?:不能|无法)(?:帮助|协助|提供|回答|满足)`),
];
