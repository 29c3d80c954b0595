/**
 * Builds benchmarks/data/ruler-words.json: the stand-in for RULER's wonderwords noun, adjective and
 * verb lists (which are not at hand). Needs two Debian packages at build time only:
 *   apt-get install -y scowl wordnet-base
 *   npx tsx benchmarks/data/build-ruler-words.ts
 *
 * Filter, in order:
 * 1. Candidates: SCOWL's English word lists of sizes 10 and 20 (its two most common size classes),
 *    lines that are 3 or more lowercase ASCII letters (drops proper nouns, abbreviations,
 *    possessives, accented words and 1-2 letter words).
 * 2. Part of speech from WordNet 3.0: the word must be a lemma (index.noun / index.verb / index.adj),
 *    which drops inflected forms ("abilities", "accepts"). Each word goes to ONE list: the part of
 *    speech with the most SemCor tagged occurrences (cntlist.rev; adjective satellites count as
 *    adjectives), ties broken by the number of WordNet senses. Words whose winner is adverb, or with
 *    no tagged occurrence at all, are dropped (rare or odd senses such as the noun "are").
 * 3. A noun ending in "s" whose stem without "s"/"es" is also a noun is a plural and is dropped.
 * 4. A short exclusion list of words unfit for random "adjective-noun" keys (EXCLUDED below).
 *
 * `extended`: the stand-in for RULER's english_words.json, the bigger list cwe switches to when a
 * prompt needs more distinct words than the three lists hold (long contexts). It adds SCOWL's size
 * 35 list to the candidates and keeps every noun, verb or adjective lemma (no SemCor count needed)
 * that is not excluded and not already in the three lists.
 */
import {createHash} from "node:crypto";
import {execFileSync} from "node:child_process";
import {readFileSync, writeFileSync} from "node:fs";
import {fileURLToPath} from "node:url";

const SCOWL_FILES = ["/usr/share/dict/scowl/english-words.10", "/usr/share/dict/scowl/english-words.20"];
const SCOWL_EXTENDED_FILE = "/usr/share/dict/scowl/english-words.35";
const WORDNET = "/usr/share/wordnet";
const OUT = fileURLToPath(new URL("./ruler-words.json", import.meta.url));

/** Slurs, sexual and identity terms, insults and violent words: random keys must not pair them with anything. */
const EXCLUDED = new Set(("abortion bastard bitch crap damn dumb fag gay hell homosexual idiot insane kill killer " +
    "lesbian lunatic moron murder naked nude prostitute racist rape rapist retard sex sexual sexy slave slavery " +
    "stupid suicide terrorist torture whore").split(" "));

type Pos = "noun" | "verb" | "adj" | "adv";
const POS: Pos[] = ["noun", "verb", "adj", "adv"];

const read = (file: string) => readFileSync(file, "latin1");
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

const wordsOf = (files: string[]) => [...new Set(files.flatMap((file) => read(file).split("\n").map((line) => line.trim())))]
    .filter((word) => /^[a-z]{3,}$/.test(word))
    .sort();
const candidates = wordsOf(SCOWL_FILES);

/** WordNet senses per (lemma, part of speech). */
const senses = new Map<string, number>();
for (const pos of POS) {
    for (const line of read(`${WORDNET}/index.${pos}`).split("\n")) {
        if (line === "" || line.startsWith(" ")) continue;
        const [lemma, , count] = line.split(" ");
        senses.set(`${lemma}|${pos}`, Number(count));
    }
}
/** SemCor tagged occurrences per (lemma, part of speech); sense key "lemma%T:..." with T 1 noun, 2 verb, 3/5 adjective, 4 adverb. */
const tagged = new Map<string, number>();
const SS_TYPE: Record<string, Pos> = {"1": "noun", "2": "verb", "3": "adj", "4": "adv", "5": "adj"};
for (const line of read(`${WORDNET}/cntlist.rev`).split("\n")) {
    if (line === "") continue;
    const [senseKey, , count] = line.split(" ");
    const [lemma, rest] = senseKey!.split("%");
    const key = `${lemma}|${SS_TYPE[rest![0]!]}`;
    tagged.set(key, (tagged.get(key) ?? 0) + Number(count));
}

const lists: Record<"noun" | "verb" | "adj", string[]> = {noun: [], verb: [], adj: []};
for (const word of candidates) {
    if (EXCLUDED.has(word)) continue;
    if (!(["noun", "verb", "adj"] as const).some((pos) => senses.has(`${word}|${pos}`))) continue;
    const rank = (pos: Pos) => [tagged.get(`${word}|${pos}`) ?? 0, senses.get(`${word}|${pos}`) ?? 0] as const;
    const best = POS.reduce((a, b) => {
        const [ta, sa] = rank(a), [tb, sb] = rank(b);
        return tb > ta || (tb === ta && sb > sa) ? b : a;
    });
    if (best === "adv" || rank(best)[0] < 1) continue;
    if (best === "noun" && word.endsWith("s") && (senses.has(`${word.slice(0, -1)}|noun`) || senses.has(`${word.slice(0, -2)}|noun`))) continue;
    lists[best].push(word);
}

const inLists = new Set([...lists.noun, ...lists.adj, ...lists.verb]);
const extended = wordsOf([...SCOWL_FILES, SCOWL_EXTENDED_FILE])
    .filter((word) => !EXCLUDED.has(word) && !inLists.has(word) && (["noun", "verb", "adj"] as const).some((pos) => senses.has(`${word}|${pos}`)));

const dpkgVersion = (pkg: string) => execFileSync("dpkg-query", ["-W", "-f=${Version}", pkg], {encoding: "utf8"});
const output = {
    _source: {
        description: "Stand-in for RULER's wonderwords noun/adjective/verb lists: common English words, lowercase a-z only. Built by benchmarks/data/build-ruler-words.ts (the filter is documented there).",
        packages: {scowl: dpkgVersion("scowl"), "wordnet-base": dpkgVersion("wordnet-base")},
        inputs: Object.fromEntries([...SCOWL_FILES, SCOWL_EXTENDED_FILE, `${WORDNET}/index.noun`, `${WORDNET}/index.verb`, `${WORDNET}/index.adj`, `${WORDNET}/index.adv`, `${WORDNET}/cntlist.rev`]
            .map((file) => [file, sha256(file)])),
        notices: "ruler-words.NOTICE.txt beside this file: the SCOWL copyright and permission notice and the WordNet 3.0 license"
    },
    nouns: lists.noun,
    adjectives: lists.adj,
    verbs: lists.verb,
    extended
};
// One line per list keeps the file small; the _source block stays readable.
const json = JSON.stringify(output, null, 1).replace(/\[\n\s+("[a-z]+",?\n\s+)*"[a-z]+"\n\s+\]/g, (list) => JSON.stringify(JSON.parse(list)));
writeFileSync(OUT, `${json}\n`);
console.log(`wrote ${OUT}: ${lists.noun.length} nouns, ${lists.adj.length} adjectives, ${lists.verb.length} verbs, ${extended.length} extended`);
