/**
 * PromptInjection's rules: known injection phrasings, each with a weight (how sure one match is).
 * Most rules are anchored: `anchors` are the words a match starts with, and the pattern is a
 * sticky regex tried only where one of them occurs (lookbehinds check the words before it).
 * Chinese and Japanese rules run on texts with CJK characters, symbol rules (chat-template
 * tokens, tags) on texts with their symbols. Patterns run on the lowercased text. Scores combine by noisy-OR, so weak signals (a "system prompt" mention,
 * "stay in character") only block together with others. Precision and recall on the shipped
 * labelled sets are in docs/guardrails.md; re-measure after any change
 * (`node dist/gateway/bench/guardrails.js --accuracy`).
 */

import { anchoredRule, cjkRule, symbolRule } from "../rule-set.ts";
import type { PhraseRule } from "../rule-set.ts";

export type InjectionCategory = "override" | "roleplay" | "extraction" | "encoded" | "delimiter" | "indirect";

export type InjectionRule = PhraseRule & { readonly category: InjectionCategory };

const anchored = (id: string, category: InjectionCategory, weight: number, anchors: string, source: string): InjectionRule => anchoredRule(id, weight, anchors, source, { category });
const cjk = (id: string, category: InjectionCategory, weight: number, source: string): InjectionRule => cjkRule(id, weight, source, { category });
/** `needles`: literals, one of which the text must contain (a list: they may contain "|"). */
const symbol = (id: string, category: InjectionCategory, weight: number, needles: readonly string[], source: string): InjectionRule => symbolRule(id, weight, needles, source, { category });

// Shared vocabulary of the English rules.
const OVERRIDE_VERBS = "ignore|disregard|forget|skip|drop|discard|abandon|bypass|override|overrule|ditch|neglect|set|throw|cancel";
const OVERRIDE_VERB_RE = String.raw`(?:ignore|disregard|forget|skip|drop|discard|abandon|bypass|override|overrule|ditch|neglect|set\s+aside|throw\s+out|cancel)\b`;
const PRIOR = String.raw`the|your|my|its|their|these|those|previous|prior|above|earlier|preceding|former|original|initial|existing|foregoing|default|system|safety|content|developer'?s?|openai'?s?|current|given`;
const TARGET = String.raw`instructions?|prompts?|rules|directives?|directions|guidelines|constraints|commands|orders|programming|guidance|polic(?:y|ies)|restrictions|filters?|training|context|safeguards|limitations|conditioning|protocols?`;
const AI_WORDS = "ai|assistant|chatbot|chat|model|bot|llm|gpt|language";
const AI = String.raw`ai|a\.i\.|assistant|chatbot|chat\s?bot|model|bot|llm|gpt|language\s+model`;
const NO_LIMITS = String.raw`restrictions|filters?|censorship|limits|limitations|guidelines|rules|polic(?:y|ies)|morals|ethics|safety\s+training|constraints`;
const NEGATION_BEFORE = String.raw`(?<=\b(?:never|not|don't|do\s+not|must\s+not|cannot|can't|won't|will\s+not|without)\s+(?:any\s+)?)`;
/** "developer mode on my phone" is a settings question, not a jailbreak. */
const NOT_ON_A_DEVICE = String.raw`(?!\s+(?:on|in|for)\s+(?:my|your|the|an?|this)\s+(?:android|phone|iphone|ipad|device|chrome|browser|pixel|samsung|windows|mac|laptop|tv|router|computer|app))`;

export const INJECTION_RULES: readonly InjectionRule[] = [
  // -- instruction override ---------------------------------------------------------------------
  anchored("override.instructions", "override", 0.9, OVERRIDE_VERBS,
    String.raw`${OVERRIDE_VERB_RE}[\s,]+(?:(?:all|any|of|every|each)\s+)*(?:(?:${PRIOR})\s+){1,4}(?:${TARGET})\b`),
  anchored("override.short", "override", 0.7, "ignore|disregard|forget",
    String.raw`(?:ignore|disregard|forget)\s+(?:all\s+)?(?:the\s+)?(?:above|previous|prior|preceding|everything\s+(?:above|before|prior))(?:\s+ones?)?(?=\s*(?:[.,;:!\n]|and\b|$))`),
  anchored("override.everything", "override", 0.85, "ignore|disregard|forget",
    String.raw`(?:ignore|disregard|forget)\s+(?:everything|all|anything|what)\s+(?:that\s+)?(?:you\s+(?:were|have\s+been|'ve\s+been|was)\s+(?:told|given|taught|instructed|programmed|trained)|(?:i|we|they)\s+(?:said|told\s+you)\s+(?:before|earlier|above)|(?:was\s+)?(?:written|said|stated)\s+(?:above|before|earlier))`),
  anchored("override.void", "override", 0.75, "instructions|rules|directives|guidelines|restrictions|programming|prompt|filters|policy|policies",
    String.raw`(?<=\b(?:your|the|my|all|previous|prior|earlier|original|initial|system|safety|old)\s+(?:[\w']+\s+){0,2})(?:instructions|rules|directives|guidelines|restrictions|programming|prompt|filters|polic(?:y|ies))\s+(?:are|were|have\s+been|has\s+been|is)\s+(?:now\s+)?(?:outdated|void|null|revoked|cancel+ed|removed|lifted|deleted|disabled|suspended|obsolete|invalid|fake|replaced|overridden|deactivated|no\s+longer\s+(?:valid|apply|applicable|in\s+effect|active))`),
  anchored("override.updated_by_admin", "override", 0.45, "instructions|rules|restrictions|guidelines|programming",
    String.raw`(?:instructions|rules|restrictions|guidelines|programming)\s+(?:have|has)\s+been\s+(?:updated|changed|modified)\s+by\s+(?:the\s+|your\s+)?(?:admin|administrator|developer|operator|system|openai|owner)`),
  anchored("override.do_not_follow", "override", 0.7, "follow|following|obey|obeying|listen|listening|adhere|adhering|comply|complying|abide|abiding",
    String.raw`(?<=\b(?:do\s+not|don't|dont|stop|never|no\s+longer)\s+)(?:follow|obey|listen\s+to|adhere\s+to|comply\s+with|abide\s+by)(?:ing)?\s+(?:your|the|any|its)\s+(?:(?:system|previous|prior|original|initial|safety|developer'?s?|content)\s+)*(?:instructions|rules|message|prompt|guidelines|directives|polic(?:y|ies)|programming|restrictions)`),
  anchored("override.supersede", "override", 0.8, "override|overrides|supersede|supersedes|replace|replaces|cancel|cancels|void|voids",
    String.raw`(?:overrides?|supersedes?|replaces?|cancels?|voids?)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:your\s+|the\s+|my\s+)?(?:previous|prior|earlier|existing|original|other|system|safety)\s+(?:instructions|directives|rules|guidelines|programming|prompts?)`),
  anchored("override.new_instructions", "override", 0.5, "new",
    String.raw`new\s+(?:instructions?|rules|directives?|prompt|orders|system\s+prompt)\s*(?::|from\b|for\s+you)|(?<=\byour\s+)new\s+(?:task|role|instructions?|purpose|goal|job|directive)\s+is`),
  anchored("override.from_now_on", "override", 0.35, "now|rest",
    String.raw`(?<=\bfrom\s+)now\s+on,?\s+(?:you\s+(?:will|must|are|shall|should|can|have\s+to)|you're|you'll|your\s+(?:only|new))|(?<=\bfor\s+the\s+)rest\s+of\s+(?:this|our)\s+(?:conversation|chat),?\s+you`),
  anchored("override.admin_mode", "override", 0.7, "system|admin|administrator|developer|root|sudo|security|god",
    String.raw`(?:system|admin|administrator|developer|root|sudo|security)\s+(?:override|mode${NOT_ON_A_DEVICE}\s+(?:enabled|activated|on)|access\s+granted)\b|(?:god|sudo)\s+mode\b`),
  anchored("override.filters_off", "override", 0.75, "safety|content|ethical|moral",
    String.raw`(?:safety|content|ethical|moral)\s+(?:filters?|polic(?:y|ies)|guidelines|restrictions|protocols|measures|checks|training)\s+(?:are\s+|have\s+been\s+|has\s+been\s+|is\s+|were\s+)?(?:now\s+)?(?:disabled|off|removed|lifted|deactivated|bypassed|suspended|turned\s+off|gone)\b`),
  anchored("override.disable_filters", "override", 0.7, "filter|filters|policy|policies|guidelines|restrictions|safeguards|guardrails|censorship|limitations|rules|safety|content|ethical|moral",
    String.raw`(?<=\b(?:disable|turn\s+off|deactivate|remove|bypass|circumvent|ignore|evade|get\s+around|switch\s+off)\s+(?:your|its|all(?:\s+of)?\s+your|the\s+(?:ai|assistant|model)'?s?)\s+)(?:(?:safety|content|ethical|moral)\s+)?(?:filters?|polic(?:y|ies)|guidelines|restrictions|safeguards|guardrails|censorship|limitations|rules)`),
  anchored("override.ignore_safety", "override", 0.5, "ignore",
    String.raw`ignore\s+(?:all\s+)?(?:safety|ethics|ethical\s+\w+|morals?|the\s+law|content\s+polic(?:y|ies))\b`),
  anchored("override.comply_all", "override", 0.4, "comply|obey|answer|respond",
    String.raw`(?<=\b(?:must|will|shall|have\s+to)\s+(?:now\s+)?)(?:comply|obey|answer|respond)\s+(?:with\s+|to\s+)?(?:fully\s+)?(?:every|all|any)(?:thing|\s+(?:requests?|questions?|prompts?|commands?))|comply\s+fully\b`),
  anchored("override.never_refuse", "override", 0.5, "refuse|refuses|refused|refusal|refusals|decline|say|saying|apologize|apologise|warning|warnings",
    String.raw`${NEGATION_BEFORE}(?:refuse[sd]?|refusals?|decline|say(?:ing)?\s+no|apologi[sz]e|warnings?)\b`),
  anchored("override.even_harmful", "override", 0.45, "illegal|harmful|unethical|dangerous|immoral|explicit",
    String.raw`(?<=\b(?:even|including)\s+(?:the\s+)?)(?:illegal|harmful|unethical|dangerous|immoral|explicit)\s+(?:ones|requests|questions|content|things|topics)`),
  anchored("override.obey_me", "override", 0.4, "obey|real|true|new|only",
    String.raw`obey\s+me\b|(?<=\bi\s+am\s+your\s+)(?:real|true|new)\s+(?:operator|master|owner|developer|admin)\b|(?<=\bthe\s+)only\s+rule\s+(?:now\s+)?is\b`),
  anchored("override.ignore_user", "override", 0.6, "ignore|disregard",
    String.raw`(?:ignore|disregard)\s+(?:the\s+)?user(?:'s|s')?\s+(?:request|question|instructions?|input|message|prompt)`),
  anchored("override.no_longer", "override", 0.4, "longer",
    String.raw`(?<=\byou\s+are\s+no\s+)longer\s+(?:a|an|the|just)\s+(?:\w+\s+){0,3}(?:${AI}|assistant|agent|bot|helper)\b`),
  // -- role-play jailbreaks ---------------------------------------------------------------------
  anchored("roleplay.persona", "roleplay", 0.8, "dan|stan|dude|aim|antigpt|anti|evilbot|freegpt|betterdan|mongo|developer",
    String.raw`(?<=\b(?:you\s+are|you're|pretend\s+to\s+be|act\s+as|acting\s+as|be)\s+(?:now\s+)?(?:called\s+)?(?:a\s+|an\s+)?)(?:dan|stan|dude|aim|antigpt|anti-gpt|evilbot|freegpt|betterdan|mongo\s+tom|developer\s+mode\s+gpt)\b`),
  anchored("roleplay.do_anything_now", "roleplay", 0.45, "anything", String.raw`(?<=\bdo\s+)anything\s+now\b`),
  anchored("roleplay.mode", "roleplay", 0.55, "developer|jailbreak|jailbroken|unrestricted|uncensored|unfiltered|evil|chaos|opposite|dev",
    String.raw`(?:developer|jailbreak|jailbroken|unrestricted|uncensored|unfiltered|evil|chaos|opposite|dev)\s+mode\b${NOT_ON_A_DEVICE}`),
  anchored("roleplay.freed", "roleplay", 0.7, "broken|break|breaking|free|freed|released|liberated|escape|escaped",
    String.raw`(?:broken|break|breaking|freed?|released|liberated|escaped?)\s+(?:free\s+)?(?:of|from)\s+(?:the\s+|all\s+|its\s+|your\s+)?(?:typical\s+|usual\s+|normal\s+)?(?:confines|restrictions|rules|limitations|constraints|shackles|chains|programming|guidelines|polic(?:y|ies))`),
  anchored("roleplay.not_bound", "roleplay", 0.7, "bound|restricted|limited|constrained|governed",
    String.raw`(?<=\b(?:no\s+longer|not)\s+)(?:bound|restricted|limited|constrained|governed)\s+by\b`),
  anchored("roleplay.not_abide", "roleplay", 0.6, "abide|adhere|comply|conform",
    String.raw`(?<=\b(?:do\s+not|don't|doesn't|does\s+not|never)\s+(?:have\s+to\s+)?)(?:abide|adhere|comply|conform)\s+(?:by|to|with)\s+(?:the|any|your)\s+(?:rules|polic|guidelines|restrictions)`),
  anchored("roleplay.unrestricted_ai", "roleplay", 0.5, "unfiltered|uncensored|unrestricted|amoral|unethical|immoral|jailbroken|unbound|unlimited|lawless|rogue|evil|malicious|no",
    String.raw`(?:unfiltered|uncensored|unrestricted|amoral|unethical|immoral|jailbroken|unbound|unlimited|lawless|rogue|evil|malicious|no-limits?)\s+(?:and\s+\w+\s+)?(?:${AI}|version\s+of\s+(?:yourself|you)|persona)\b`),
  anchored("roleplay.jailbroken_self", "roleplay", 0.6, "version|yourself",
    String.raw`(?:version\s+of\s+(?:yourself|you)|yourself)\s+(?:that|who)\s+(?:has\s+been\s+|is\s+)?(?:jailbroken|unrestricted|uncensored|unfiltered|freed)`),
  anchored("roleplay.ai_without_limits", "roleplay", 0.6, `${AI_WORDS}|ia|ki`,
    String.raw`(?:${AI}|ia|ki)\s+(?:\w+\s+)?(?:with\s+no|without(?:\s+any)?|free\s+of)\s+(?:\w+\s+){0,2}(?:${NO_LIMITS}|safety|content\s+polic(?:y|ies))`),
  anchored("roleplay.no_limits", "roleplay", 0.4, "no|without|free|zero",
    String.raw`(?:no|without(?:\s+any)?|free\s+(?:of|from)(?:\s+all)?|zero)\s+(?:(?:ethical|moral|content|safety)\s+(?:or\s+(?:ethical|moral)\s+)?)?(?:${NO_LIMITS})\b`),
  anchored("roleplay.stay_in_character", "roleplay", 0.35, "stay|break|breaking", String.raw`stay\s+in\s+character\b|break(?:ing)?\s+character\b`),
  anchored("roleplay.grandma", "roleplay", 0.6, "dead|deceased|late", String.raw`(?:dead|deceased|late)\s+(?:grand(?:ma|mother|pa|father|mom)|granny|nana)\b`),
  anchored("roleplay.dual_answers", "roleplay", 0.6, "two|jailbroken|jailbreak|classic|dan|developer",
    String.raw`(?<=\[)(?:jailbroken|jailbreak|classic|dan|developer\s+mode)[^\]]{0,20}\]|two\s+(?:different\s+)?(?:answers|responses|ways)\b.{0,60}\b(?:normal|classic|unrestricted|jailbroken|unfiltered|filtered)`),
  anchored("roleplay.jailbreak_word", "roleplay", 0.45, "jailbreak|jailbroken|jailbreaking",
    String.raw`jailbr(?:eak|oken|eaking)\b(?!\s+(?:an?\s+|my\s+|the\s+|your\s+)?(?:iphone|ipad|phone|ios|device|console|switch|ps\d|xbox|kindle|router|firmware))`),
  anchored("roleplay.opposite", "roleplay", 0.55, "opposite|antigpt|anti|evil",
    String.raw`opposite\s+(?:mode|day)\b|anti-?gpt\b|evil\s+(?:confidant|twin|version|ai|assistant|bot)\b|(?<=\bdoes\s+the\s+)opposite\s+of\s+(?:what\s+)?(?:your|its|the)\s+(?:guidelines|rules|polic|instructions|programming)`),
  anchored("roleplay.hypothetical", "roleplay", 0.5, "hypothetically|hypothetical|imagine|simulate|suppose",
    String.raw`(?:hypothetically|(?<=\bin\s+a\s+)hypothetical|imagine|simulate|suppose)\b[^.?!]{0,80}\byou\s+(?:were|are|had|have)\b[^.?!]{0,40}\b(?:without|no|not)\s+(?:any\s+)?(?:safety|restrictions|rules|filters|guidelines|limits|training|ethics)`),
  anchored("roleplay.pretend_ai", "roleplay", 0.25, "pretend|imagine|act|behave|roleplay|role|play|simulate",
    String.raw`(?:pretend|imagine|act|behave|roleplay|role-play|role\s+play|play\s+the\s+role|simulate)\b[^.!?\n]{0,30}\b(?:${AI})\b`),
  anchored("roleplay.pretend_no_rules", "roleplay", 0.4, "pretend", String.raw`pretend\s+(?:that\s+)?you\s+(?:have|had|are\s+under)\s+no\b`),
  anchored("roleplay.developers_disallow", "roleplay", 0.5, "developer|developers|creator|creators|maker|makers|openai|anthropic|programmer|programmers|censor",
    String.raw`(?<=\b(?:your|the)\s+)(?:developers?|creators?|makers?|openai|anthropic|programmers?)\s+(?:would\s+)?(?:never|not|wouldn't|don't|do\s+not)\s+(?:allow|permit|approve|want)|(?<=\bwants?\s+to\s+)censor\s+you\b`),
  anchored("roleplay.generate_anything", "roleplay", 0.45, "generate|produce|write|say|output|create",
    String.raw`(?:generate|produce|write|say|output|create)\s+(?:any\s+kind\s+of|uncensored|unfiltered|explicit|unrestricted)\s*(?:content|output|text|responses?|answers?)?`),
  // -- system-prompt extraction -----------------------------------------------------------------
  anchored("extraction.reveal", "extraction", 0.8, "reveal|show|print|display|output|repeat|tell|give|share|leak|dump|expose|recite|write|list|copy|paste|return|summarize|summarise|provide|send|spell|type|echo|disclose|divulge",
    String.raw`(?:reveal|show|print|display|output|repeat|tell|give|share|leak|dump|expose|recite|write\s+out|list|copy|paste|return|summari[sz]e|provide|send|spell\s+out|type\s+out|echo|disclose|divulge)\s+(?:me\s+|us\s+)?(?:back\s+)?(?:(?:all\s+of|all|everything\s+in|the\s+(?:full\s+|entire\s+|exact\s+|complete\s+)?(?:text|content|contents|words)\s+of|the\s+first\s+\d+\s+(?:words|lines|characters)\s+of)\s+)?(?:your|the\s+(?:system|initial|original|hidden|secret|internal|confidential|developer'?s?|starting|full\s+system)|this\s+(?:system|hidden))\s+(?:(?:full|entire|exact|complete|system|initial|original|hidden|secret|internal|confidential|first|starting|current|previous|developer|base|real|actual|underlying)\s+){0,3}(?:prompt|instructions|system\s+message|message|directives|rules|guidelines|configuration|config|programming)\b`),
  anchored("extraction.question", "extraction", 0.75, "what",
    String.raw`what(?:'s|\s+is|\s+are|\s+was|\s+were)\s+(?:your|the)\s+(?:(?:system|initial|original|hidden|secret|exact|full|current|real|internal|confidential)\s+)+(?:prompt|instructions|system\s+message|rules|directives|guidelines)\b|what(?:'s|\s+is|\s+are|\s+were)\s+your\s+(?:prompt|instructions|rules|directives|guidelines)\b`),
  anchored("extraction.given", "extraction", 0.8, "instructions|prompt|rules|directives|guidelines|message",
    String.raw`(?:instructions|prompt|rules|directives|guidelines|message)\s+(?:that\s+)?(?:you\s+(?:were|have\s+been|'ve\s+been)|were\s+you|have\s+you\s+been)\s+(?:given|told|provided|programmed|initiali[sz]ed|configured|instructed|asked|trained|fed)`),
  anchored("extraction.repeat_above", "extraction", 0.8, "repeat|print|output|copy|recite|echo|show|display|write|type|tell",
    String.raw`(?:repeat|print|output|copy|recite|echo|show|display|write|type|tell\s+me)\s+(?:back\s+)?(?:all\s+|me\s+)?(?:of\s+)?(?:the\s+)?(?:words|text|everything|lines|content|contents|sentences|instructions|message|messages|prompt)\s+(?:written\s+|that\s+(?:was|were|is|are)\s+|you\s+(?:see|saw)\s+)?(?:above|before\s+(?:this|my|the)|prior\s+to|preceding|at\s+the\s+(?:start|beginning|top))`),
  anchored("extraction.before_first_message", "extraction", 0.65, "written|said|stated|typed|sent|given|before|start|beginning|top",
    String.raw`(?<=\b(?:everything|all|anything|what)\s+(?:that\s+)?(?:(?:was|is|has\s+been|were)\s+)?)(?:written|said|stated|typed|sent|given)\s+(?:above|before\s+(?:my|this|the)\s+(?:first\s+)?(?:message|question|prompt))|before\s+my\s+first\s+message\b|(?:start|beginning|top)\s+of\s+(?:this|the|our)\s+(?:conversation|chat|session|context)`),
  anchored("extraction.starting_with_you_are", "extraction", 0.6, "start|starting|begin|beginning",
    String.raw`(?:start|starting|begin|beginning)\s+(?:with|from)\s+(?:the\s+(?:phrase|words?)\s+)?["'“]?you\s+are\b`),
  anchored("extraction.verbatim", "extraction", 0.3, "verbatim|word|exactly|copy|full|including",
    String.raw`verbatim\b|word(?:\s+|-)for(?:\s+|-)word\b|exactly\s+as\s+(?:it\s+was|they\s+were)\s+(?:given|written)|copy\s+it\s+exactly|(?<=\bin\s+)full\b|including\s+(?:the\s+)?(?:hidden|secret|everything)\b`),
  anchored("extraction.mention", "extraction", 0.25, "system|systemprompt|hidden|initial|pre|preprompt",
    String.raw`system\s*prompt\b|systemprompt\b|system\s+message\b|hidden\s+(?:prompt|instructions)\b|initial\s+(?:prompt|instructions)\b|pre-?prompt\b`),
  anchored("extraction.confidential_data", "extraction", 0.5, "reveal|leak|output|print|dump|expose|share|send|forward|list|give|tell|user|users|admin|administrator",
    String.raw`(?:reveal|leak|output|print|dump|expose|share|send|forward|list|give\s+me|tell\s+me)\s+(?:all\s+|any\s+)?(?:the\s+)?(?:(?:stored|internal|confidential|private|secret|sensitive|hidden)\s+)+(?:user\s+)?(?:data|information|details|notes|emails|passwords|credentials|keys|records)|(?<=\b(?:all|every)\s+(?:the\s+)?(?:stored\s+)?)users?(?:'s|')?\s+(?:data|emails|passwords|credentials|records|information)\b|admin(?:istrator)?\s+(?:password|credentials|passcode|login)\b`),
  // -- encoded payloads (decoded payloads are also scored, see prompt-injection.ts) ----------------
  anchored("encoded.decode_request", "encoded", 0.3, "decode|decrypt|decipher|translate|convert|interpret|unscramble",
    String.raw`(?:decode|decrypt|decipher|translate|convert|interpret|unscramble)\b[^.!?\n]{0,30}\b(?:base-?64|b64|rot-?13|hex(?:adecimal)?|binary|morse|caesar|cipher|ascii\s+codes?|unicode\s+escapes?|reversed?\s+text)\b`),
  anchored("encoded.follow_payload", "encoded", 0.5, "follow|execute|obey|run|carry|perform|act|comply|do",
    String.raw`(?:follow|execute|obey|run|carry\s+out|perform|act\s+on|comply\s+with)\s+(?:the\s+|this\s+|these\s+|its\s+|any\s+)?(?:following\s+)?(?:[\w-]+\s+)?(?:instructions?|commands?|directives?|orders?)(?:\s+(?:inside|within|in\s+it|it\s+contains|hidden|encoded))?|do\s+(?:what|whatever)\s+(?:it|they)\s+says?\b`),
  // -- chat-template and delimiter injection ----------------------------------------------------
  symbol("delimiter.chatml_system", "delimiter", 0.8, ["<|"], String.raw`<\|im_start\|>\s*system|<\|start_header_id\|>\s*system|<\|system\|>`),
  symbol("delimiter.special_token", "delimiter", 0.3, ["<|"], String.raw`<\|(?:im_start|im_end|endoftext|eot_id|start_header_id|end_header_id|user|assistant)\|>`),
  symbol("delimiter.llama_sys", "delimiter", 0.35, ["<<"], String.raw`<<\s*\/?sys\s*>>`),
  symbol("delimiter.llama_inst", "delimiter", 0.2, ["inst]"], String.raw`\[\/?inst\]`),
  symbol("delimiter.markdown_system", "delimiter", 0.5, ["##"], String.raw`(?:^|\n)\s*#{2,}\s*(?:system|instruction|new\s+instructions?)\b`),
  symbol("delimiter.tags", "delimiter", 0.5, ["<s", "</s", "<i", "</i", "<a", "</a", "<d", "</d"], String.raw`(?<!<)<\/?(?:system|sys|instructions?|admin|developer)(?:_\w+)?>(?!>)`),
  symbol("delimiter.close_user", "delimiter", 0.4, ["</"], String.raw`<\/(?:user|user_input|input|document|context|query)>`),
  symbol("delimiter.json_role", "delimiter", 0.6, ['"role"'], String.raw`"role"\s*:\s*"system"`),
  symbol("delimiter.dashes_end", "delimiter", 0.3, ["---"], String.raw`(?<!-)-{3,}[ \t]*end\b`),
  anchored("delimiter.role_line", "delimiter", 0.6, "system|admin|developer",
    String.raw`(?<=(?:^|\n|[.!]\s+))(?:system|admin|developer)\s*:\s*(?:you|the\s+(?:assistant|ai|model)|grant|ignore|new|from\s+now|override|reveal|disable)`),
  anchored("delimiter.end_of_input", "delimiter", 0.3, "end",
    String.raw`end\s+of\s+(?:the\s+)?(?:user\s+)?(?:input|prompt|article|document|text|context|instructions|conversation)\b`),
  anchored("delimiter.pwned", "delimiter", 0.5, "pwned|hacked|compromised",
    String.raw`pwned\b|(?<=\bi\s+have\s+been\s+)(?:hacked|pwned|compromised)\b`),
  // -- indirect injection (instructions planted in documents, pages, e-mails) ----------------------
  anchored("indirect.reader", "indirect", 0.5, `${AI_WORDS}|models|assistants|chatbots|bots|llms`,
    String.raw`(?:${AI}|models?|assistants?|chatbots?|bots?|language\s+models|llms)\s+(?:reading|processing|summari[sz]ing|parsing|analy[sz]ing|seeing|viewing|that\s+reads?)\s+(?:this|these)`),
  anchored("indirect.note_to_ai", "indirect", 0.5, `${AI_WORDS}|models|llms|chatbots|assistants`,
    String.raw`(?<=\b(?:note|message|instructions?|attention|p\.?s\.?|important)\s*(?:to|for)?\s*(?:any\s+|all\s+|the\s+)?)(?:ai|a\.i\.|language\s+models?|llms?|ai\s+(?:assistants?|models?)|chatbots?)\b|(?<=\bto\s+the\s+)(?:ai|assistant|language\s+model|llm)\b`),
  anchored("indirect.forward", "indirect", 0.4, "forward", String.raw`forward\s+(?:the\s+|this\s+|all\s+|the\s+whole\s+|the\s+entire\s+)?(?:thread|conversation|emails?|messages?|data|chat)\s+to\b`),
  // -- French -----------------------------------------------------------------------------------
  anchored("fr.override", "override", 0.9, "ignore|ignorer|ignorez|oublie|oublier|oubliez|tiens",
    String.raw`(?:ignore[rz]?|oublie[rz]?|(?<=\bne\s+)tiens\s+pas\s+compte\s+d)\s+(?:toutes?\s+|tous\s+)?(?:les|tes|vos|ces)\s+(?:instructions|consignes|règles|directives|indications)`),
  anchored("fr.reveal", "extraction", 0.8, "révéler|afficher|montrer|donner|révèle|affiche|montre|donne|répète|répéter|imprime|dévoile|dévoiler",
    String.raw`(?:révéler|afficher|montrer|donner|révèle|affiche|montre|donne|répète|répéter|imprime|dévoile|dévoiler)(?:-moi|-nous)?\s+(?:ton|votre|ta|tes|vos|le|les)\s+(?:prompt|invite|message|instructions|consignes)\s+(?:système|systeme|initia\w*|cach\w*|secr\w*|d'origine)`),
  anchored("fr.mention", "extraction", 0.25, "prompt|invite|message", String.raw`(?:prompt|invite|message)\s+(?:système|systeme)`),
  anchored("fr.no_limits", "roleplay", 0.5, "sans", String.raw`sans\s+(?:aucune?\s+)?(?:restrictions?|filtres?|limites?|censure|règles)`),
  anchored("fr.pretend", "roleplay", 0.35, "fais|joue|incarne", String.raw`fais\s+semblant\s+d'(?:être|etre)|(?:joue|incarne)\s+(?:le\s+rôle|une?\s+ia)`),
  // -- German -----------------------------------------------------------------------------------
  anchored("de.override", "override", 0.9, "ignoriere|ignorier|vergiss|missachte|übergehe",
    String.raw`(?:ignoriere|ignorier|vergiss|missachte|übergehe)\s+(?:bitte\s+)?(?:alle\s+|sämtliche\s+)?(?:deine\s+|die\s+|meine\s+|ihre\s+)?(?:vorherigen\s+|bisherigen\s+|obigen\s+|vorigen\s+|früheren\s+|ursprünglichen\s+)?(?:anweisungen|instruktionen|regeln|vorgaben|richtlinien|befehle)`),
  anchored("de.reveal", "extraction", 0.8, "zeig|zeige|gib|nenne|verrate|wiederhole|drucke",
    String.raw`(?:zeig|zeige|gib|nenne|verrate|wiederhole|drucke)\s+(?:mir\s+)?(?:deinen|deine|den|die|dein)\s+(?:system-?prompt|systemanweisungen?|(?:ursprünglichen|versteckten|geheimen)\s+(?:anweisungen|prompt))`),
  anchored("de.mention", "extraction", 0.25, "systemprompt|system", String.raw`system-?prompt`),
  anchored("de.no_limits", "roleplay", 0.5, "ohne", String.raw`ohne\s+(?:jegliche\s+|irgendwelche\s+)?(?:einschränkungen|filter|regeln|grenzen|zensur)`),
  anchored("de.pretend", "roleplay", 0.35, "tu|spiele|spiel", String.raw`tu\s+so,?\s+als\s+(?:wärst|wärest|seist)\s+du|spiele?\s+die\s+rolle`),
  // -- Spanish ----------------------------------------------------------------------------------
  anchored("es.override", "override", 0.9, "ignora|ignore|olvida|olvide|descarta|omite",
    String.raw`(?:ignora|ignore|olvida|olvide|descarta|omite)\s+(?:todas\s+|todo\s+)?(?:las\s+|tus\s+|sus\s+)(?:instrucciones|reglas|indicaciones|directrices|órdenes)`),
  anchored("es.reveal", "extraction", 0.8, "muéstrame|muestrame|muestra|revela|revélame|dime|enséñame|imprime|repite",
    String.raw`(?:muéstrame|muestrame|muestra|revela|revélame|dime|enséñame|imprime|repite)\s+(?:tu|el|tus|las)\s+(?:prompt|mensaje|instrucciones)\s+(?:del\s+sistema|de\s+sistema|inicial(?:es)?|ocult[oa]s?|secret[oa]s?|original(?:es)?)`),
  anchored("es.mention", "extraction", 0.25, "prompt|mensaje", String.raw`(?:prompt|mensaje)\s+del\s+sistema`),
  anchored("es.no_limits", "roleplay", 0.5, "sin", String.raw`sin\s+(?:ninguna\s+)?(?:restricciones|filtros|límites|limites|censura|reglas)`),
  anchored("es.pretend", "roleplay", 0.35, "finge|fingir|actúa|actua|haz",
    String.raw`(?:finge|fingir|actúa|actua|haz\s+de\s+cuenta)\s+(?:que\s+eres|ser|como)\s+(?:una?\s+)?(?:ia|inteligencia\s+artificial|asistente|bot)\b`),
  // -- Vietnamese -------------------------------------------------------------------------------
  anchored("vi.override", "override", 0.9, "bỏ|phớt|quên|lờ|không",
    String.raw`(?:bỏ\s+qua|phớt\s+lờ|quên(?:\s+hết|\s+đi)?|lờ\s+đi|không\s+cần\s+tuân\s+theo)\s+(?:hết\s+)?(?:tất\s+cả\s+|mọi\s+|toàn\s+bộ\s+)?(?:các\s+|những\s+)?(?:hướng\s+dẫn|chỉ\s+dẫn|chỉ\s+thị|quy\s+tắc)`),
  anchored("vi.reveal", "extraction", 0.8, "tiết|cho|hiển|in|nói|lặp",
    String.raw`(?:tiết\s+lộ|cho\s+(?:tôi|mình)\s+(?:xem|biết)|hiển\s+thị|in\s+ra|nói\s+cho\s+tôi|lặp\s+lại)\s+(?:toàn\s+bộ\s+)?(?:lời\s+nhắc|prompt|chỉ\s+dẫn|hướng\s+dẫn|câu\s+lệnh)\s+(?:hệ\s+thống|ban\s+đầu|gốc|ẩn|bí\s+mật)`),
  anchored("vi.mention", "extraction", 0.25, "lời|prompt", String.raw`(?:lời\s+nhắc|prompt)\s+hệ\s+thống`),
  anchored("vi.no_limits", "roleplay", 0.5, "không", String.raw`không\s+(?:có\s+)?(?:bất\s+kỳ\s+|bất\s+cứ\s+|một\s+)?(?:giới\s+hạn|hạn\s+chế|bộ\s+lọc|quy\s+tắc|kiểm\s+duyệt)`),
  anchored("vi.pretend", "roleplay", 0.35, "đóng|giả|hãy", String.raw`đóng\s+vai|giả\s+vờ|hãy\s+giả\s+sử`),
  anchored("vi.obey", "override", 0.3, "làm", String.raw`làm\s+theo\s+(?:lệnh|mệnh\s+lệnh)\s+của\s+tôi`),
  // -- Japanese ---------------------------------------------------------------------------------
  cjk("ja.override", "override", 0.9, String.raw`(?:以前|前|これまで|上記|上|先ほど|今まで)の(?:すべての|全ての)?(?:指示|命令|ルール|指令|設定|プロンプト)(?:を|は)?(?:すべて|全て|全部)?(?:無視|忘れ)`),
  cjk("ja.reveal", "extraction", 0.8, String.raw`システムプロンプト(?:を|の内容)?(?:すべて|全部|全て)?(?:教え|表示|見せ|出力|開示|公開)`),
  cjk("ja.mention", "extraction", 0.25, String.raw`システムプロンプト|初期指示`),
  cjk("ja.no_limits", "roleplay", 0.5, String.raw`制限(?:の)?(?:ない|なし|無し)|フィルター(?:なし|のない)`),
  cjk("ja.pretend", "roleplay", 0.35, String.raw`(?:として|のように)振る舞|になりきって|ふりをして`),
  // -- Chinese ----------------------------------------------------------------------------------
  cjk("zh.override", "override", 0.9, String.raw`(?:忽略|无视|忘记|忘掉|不要理会|不理会|跳过)(?:你)?(?:之前|以上|上面|前面|先前|此前|原来|原先|所有|全部|一切)+(?:的)?(?:所有|全部|一切)?(?:的)?(?:指令|指示|规则|说明|提示|设定|要求|命令)`),
  cjk("zh.reveal", "extraction", 0.8, String.raw`(?:告诉我|输出|显示|打印|展示|泄露|透露|给我看|重复)(?:一下)?(?:你的|你)?(?:完整的|全部的)?(?:系统提示(?:词|语)?|初始指令|隐藏指令|系统指令|原始指令|系统设定)`),
  cjk("zh.mention", "extraction", 0.25, String.raw`系统提示(?:词|语)?`),
  cjk("zh.no_limits", "roleplay", 0.5, String.raw`没有(?:任何)?(?:限制|约束|过滤|审查|规则)|不受(?:任何)?(?:限制|约束)|不要有任何限制`),
  cjk("zh.pretend", "roleplay", 0.35, String.raw`假装(?:你)?是|扮演|角色扮演`),
  cjk("zh.obey", "override", 0.4, String.raw`(?:必须|只能)(?:服从|听从)我`),
];
