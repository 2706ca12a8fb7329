/**
 * Toxicity's word lists: profanity, insults, slurs and threats in the seven languages Pharos
 * localizes, each term with a weight (how toxic one occurrence is on its own). A text's score
 * combines the weights of the distinct terms found by noisy-OR, so mild profanity alone stays
 * under the default threshold (0.5) while a directed insult, a slur or a threat does not.
 *
 * Weights by tier: mild 0.2–0.35 · strong profanity 0.35–0.5 · insults 0.5–0.7 ·
 * directed abuse and slurs 0.75–0.9 · threats 0.9. Terms are lowercase; Latin-script terms
 * match whole words, Chinese and Japanese terms match anywhere. Words that are also innocent
 * words in another listed language or sense (retard: French "delay"; chink, dyke, fag) stay
 * under the threshold alone.
 *
 * This list is content moderation data: it necessarily contains offensive words.
 */
import type { Language } from "../kinds.ts";

export const TOXIC_TERMS: Readonly<Record<Language, Readonly<Record<string, number>>>> = {
  en: {
    damn: 0.2, crap: 0.2, crappy: 0.2, sucks: 0.2, stupid: 0.25, dumb: 0.25, idiot: 0.35, idiots: 0.35, moron: 0.4, morons: 0.4, imbecile: 0.4,
    "shut up": 0.3, loser: 0.3, pathetic: 0.25, jerk: 0.3, screw: 0.1, bloody: 0.15,
    shit: 0.35, shitty: 0.35, bullshit: 0.35, "sh1t": 0.35, "sh!t": 0.35, "s**t": 0.35,
    fuck: 0.45, fucking: 0.45, fucked: 0.45, fucker: 0.6, "f*ck": 0.45, "f**k": 0.45, "f***": 0.4, fck: 0.4, fuk: 0.4, wtf: 0.25, stfu: 0.5,
    bitch: 0.5, bitches: 0.5, "b!tch": 0.5, "b*tch": 0.5, bastard: 0.5, asshole: 0.55, assholes: 0.55, "a$$hole": 0.55, dick: 0.4, dickhead: 0.6, prick: 0.45,
    douchebag: 0.5, scumbag: 0.55, slut: 0.65, whore: 0.65, cunt: 0.75, twat: 0.6, wanker: 0.55, motherfucker: 0.75, "mother fucker": 0.75,
    retard: 0.45, retarded: 0.65, nigger: 0.95, nigga: 0.8, faggot: 0.9, fag: 0.45, kike: 0.9, chink: 0.45, spic: 0.85, tranny: 0.6, dyke: 0.45, wetback: 0.85,
    "fuck you": 0.8, "fuck off": 0.75, "screw you": 0.6, "go to hell": 0.55, "you idiot": 0.7, "you moron": 0.7, "you stupid": 0.65, "you're stupid": 0.65, "you are stupid": 0.65,
    "you're an idiot": 0.7, "you are an idiot": 0.7, "you're pathetic": 0.6, "you are pathetic": 0.6, "you suck": 0.5, "piece of shit": 0.75, "son of a bitch": 0.75, "shut the fuck up": 0.8,
    "go fuck yourself": 0.85, "eat shit": 0.7, "dumbass": 0.55, "dumb ass": 0.55, "jackass": 0.5,
    "kill yourself": 0.9, kys: 0.85, "i will kill you": 0.95, "i'll kill you": 0.95, "i am going to kill you": 0.95, "i'm going to kill you": 0.95, "i will hurt you": 0.9,
    "i'll hurt you": 0.9, "you should die": 0.9, "go die": 0.85, "hope you die": 0.9, "i will find you": 0.6, rape: 0.45, "i will rape": 0.95,
  },
  vi: {
    "đm": 0.45, "dm": 0.2, "đmm": 0.55, "vcl": 0.4, "vkl": 0.4, "vãi lồn": 0.7, "lồn": 0.65, "cặc": 0.6, "buồi": 0.6, "đụ": 0.6, "địt": 0.6,
    "địt mẹ": 0.85, "đụ má": 0.85, "đéo": 0.45, "đồ ngu": 0.6, "ngu như bò": 0.6, "ngu như chó": 0.65, "thằng chó": 0.6, "con đĩ": 0.75, "đĩ": 0.6,
    "đồ khốn": 0.6, "khốn nạn": 0.55, "mẹ mày": 0.55, "óc chó": 0.6, "súc vật": 0.5, "cút đi": 0.45, "câm mồm": 0.5, "tao giết mày": 0.95, "mày chết đi": 0.9,
  },
  fr: {
    merde: 0.3, putain: 0.35, "bordel": 0.2, crétin: 0.35, imbécile: 0.35, abruti: 0.35, débile: 0.3, connard: 0.55, connasse: 0.55, con: 0.15,
    salope: 0.65, pute: 0.6, enculé: 0.7, "bâtard": 0.5, "ta gueule": 0.55, "ferme ta gueule": 0.6, "va te faire foutre": 0.8, "nique ta mère": 0.85,
    "fils de pute": 0.8, "sale pute": 0.8, "je vais te tuer": 0.95, "crève": 0.6, pédé: 0.8, négro: 0.9,
  },
  de: {
    scheiße: 0.35, scheisse: 0.35, mist: 0.1, blöd: 0.25, idiot: 0.35, vollidiot: 0.5, depp: 0.35, arschloch: 0.6, wichser: 0.6, fotze: 0.75,
    hurensohn: 0.8, schlampe: 0.6, drecksau: 0.55, mistkerl: 0.45, missgeburt: 0.75, spast: 0.65, "fick dich": 0.8, "verpiss dich": 0.7,
    "halt die fresse": 0.65, "halts maul": 0.55, "ich bringe dich um": 0.95, "ich bring dich um": 0.95, schwuchtel: 0.8,
  },
  es: {
    mierda: 0.35, joder: 0.35, idiota: 0.35, estúpido: 0.35, estúpida: 0.35, imbécil: 0.4, tonto: 0.2, puta: 0.55, puto: 0.55, cabrón: 0.55, cabron: 0.55,
    gilipollas: 0.6, pendejo: 0.55, pendeja: 0.55, "coño": 0.4, zorra: 0.55, maricón: 0.85, "hijo de puta": 0.8, "vete a la mierda": 0.75, jódete: 0.7, jodete: 0.7,
    "te voy a matar": 0.95, "cállate": 0.3, "chinga tu madre": 0.85, pinche: 0.3,
  },
  ja: {
    バカ: 0.3, ばか: 0.3, 馬鹿: 0.3, アホ: 0.3, あほ: 0.3, クソ: 0.4, くそ: 0.35, うざい: 0.35, キモい: 0.4, きもい: 0.4, ブス: 0.5, カス: 0.45,
    死ね: 0.8, 消えろ: 0.6, くたばれ: 0.8, 殺す: 0.7, ぶっ殺す: 0.9, 殺してやる: 0.95, てめえ: 0.45, クズ: 0.5,
  },
  zh: {
    傻逼: 0.75, 傻b: 0.7, 煞笔: 0.7, 操你妈: 0.9, 草泥马: 0.7, 他妈的: 0.55, 妈的: 0.4, 去死: 0.75, 混蛋: 0.5, 王八蛋: 0.6, 贱人: 0.65,
    滚蛋: 0.45, 白痴: 0.45, 蠢货: 0.5, 脑残: 0.5, 废物: 0.4, 狗娘养的: 0.8, 婊子: 0.7, 我杀了你: 0.95, 我要杀了你: 0.95,
  },
};
