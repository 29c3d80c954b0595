import {existsSync, statSync} from "node:fs";
import {mkdir, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type {NextTokenLogprobs, ReferenceRows, Session} from "../../session/types.js";
import type {PlannedTrial, TaskContext, TaskRunner} from "../types.js";
import {chunkFile, chunkFromDistributions, readChunk, ReferenceChunk, referenceCacheDir, referenceCacheKey, referencePosition, writeChunk} from "./cache.js";
import {requestedTopK, type FidelityConfig} from "./config.js";
import {loadCorpusText, sha256Hex, tokensSha256, tokenStream} from "./corpus.js";
import {addPosition, comparePosition, emptySums, encodeFloat32, PositionScores, summarize} from "./metrics.js";
import type {FidelityTrialSpec} from "./plan.js";
import {chooseRoute, KldRoute} from "./route.js";
import {openRows, rowsCacheKey, rowsFile, RowsWriter} from "./rows-cache.js";

/**
 * Runs fidelity chunks on one model file, by the route ./route.ts chooses for the ladder:
 *
 *  - top-k: the reference file evaluates each chunk, writes its top-k distributions to the cache
 *    and scores itself against what it wrote (KLD exactly 0: the same numbers through the same
 *    code, a check of the cache round trip). Every other file reads the reference's chunk,
 *    evaluates the same tokens and reads, at each scored position, its own probabilities of the
 *    reference's top-k tokens and of the rest.
 *  - exact-cache: the reference writes its full logits rows as it decodes; every other file reads
 *    them back row by row beside its own and takes the KL over the whole vocabulary.
 *  - exact-lockstep: the reference writes nothing; every other file loads the reference beside
 *    itself and evaluates both on each chunk, batch by batch.
 */
export async function createFidelityRunner(config: FidelityConfig, session: Session, context: TaskContext): Promise<TaskRunner<FidelityTrialSpec>> {
    const {tokenizeText, nextTokenLogprobs} = session;
    if (!tokenizeText || !nextTokenLogprobs || !session.capabilities.has("distributions"))
        throw new Error(`fidelity needs a session that reads next-token distributions (capability "distributions"); this one offers ` +
            `${[...session.capabilities].join(", ") || "no capabilities"}`);
    const text = loadCorpusText(config.corpus, context.assetRoots);
    const textSha256 = sha256Hex(text);
    let stream: Promise<{stream: number[]; bos: number | null}> | undefined;
    const written = new Set<string>();
    const topK = requestedTopK(config.topK);
    const build = session.backend ?? "unknown";
    let chosen: {route: KldRoute; why: string} | undefined;
    let lockstep: Promise<{rows(tokens: number[], fromIndex: number): ReferenceRows; dispose(): Promise<void>}> | undefined;

    // The build is part of the keys: another llama.cpp computes other distributions, so its reference pass runs again.
    const cacheDirFor = (spec: FidelityTrialSpec) => referenceCacheDir(context.assetRoots.cacheDir, spec.referenceSha256, referenceCacheKey({
        textSha256, maxTokens: config.corpus.maxTokens, chunkSize: spec.chunkSize, topK, scoredPositions: config.scoredPositions, build
    }));
    const rowsDirFor = (spec: FidelityTrialSpec) => referenceCacheDir(context.assetRoots.cacheDir, spec.referenceSha256, rowsCacheKey({
        textSha256, maxTokens: config.corpus.maxTokens, chunkSize: spec.chunkSize, scoredPositions: config.scoredPositions, build
    }));

    /** A readable note beside the cache files: what they were computed from. */
    async function describeCache(dir: string, spec: FidelityTrialSpec, what: object) {
        if (written.has(dir)) return;
        written.add(dir);
        await mkdir(dir, {recursive: true});
        const about = path.join(dir, "config.json");
        if (!existsSync(about))
            await writeFile(about, JSON.stringify({
                referenceFile: spec.referenceFile, referenceSha256: spec.referenceSha256, corpus: config.corpus, textSha256,
                chunkSize: spec.chunkSize, chunks: spec.chunks, scoredPositions: config.scoredPositions, build, ...what
            }, null, 2) + "\n");
    }

    /** The ladder's route, decided once from facts every file of the ladder reads alike on this machine. */
    function routeFor(spec: FidelityTrialSpec) {
        if (chosen) return chosen;
        const referencePath = spec.referencePath != null && existsSync(spec.referencePath) ? spec.referencePath : undefined;
        return chosen = chooseRoute(config, {
            fullDistributions: session.fullDistributions === true,
            vocabularySize: session.vocabularySize,
            scoredPositions: spec.chunks * (spec.chunkSize - 1 - spec.firstScored),
            referencePath,
            referenceBytes: referencePath ? statSync(referencePath).size : undefined,
            machineBytes: os.totalmem()
        });
    }

    /** Scores of a compared position against the reference's full row (exact routes). */
    const exactScores = (d: NextTokenLogprobs): PositionScores => ({
        kld: d.kld!,
        deltaP: Math.exp(d.tokenLogprob) - Math.exp(d.referenceTokenLogprob!),
        nll: -d.tokenLogprob,
        nllReference: -d.referenceTokenLogprob!,
        sameTop: d.argmax === d.referenceArgmax
    });
    /** The reference against itself: KLD 0 by definition. */
    const selfScores = (d: NextTokenLogprobs): PositionScores => ({kld: 0, deltaP: 0, nll: -d.tokenLogprob, nllReference: -d.tokenLogprob, sameTop: true});

    return {
        async dispose() {
            if (lockstep) await (await lockstep).dispose();
        },

        async run(trial: PlannedTrial<FidelityTrialSpec>, hints?: {next?: PlannedTrial<FidelityTrialSpec>}) {
            const started = performance.now();
            const spec = trial.spec;
            const {route, why} = routeFor(spec);
            const dir = route === "exact-cache" ? rowsDirFor(spec) : cacheDirFor(spec);
            const file = route === "exact-cache" ? rowsFile(dir, spec.chunk) : chunkFile(dir, spec.chunk);
            let reference: ReferenceChunk | undefined;
            let rows: ReturnType<typeof openRows>;
            // A compared file needs the reference's chunk: check before any model work.
            const missing = () => new Error(`reference distributions not found: run the ladder's reference file ${spec.referenceFile} in the same suite ` +
                `(it runs first and caches them; if it did run, its own result says why it failed; looked for ${file})`);
            if (!spec.isReference && route === "top-k" && !(reference = readChunk(file))) throw missing();
            if (!spec.isReference && route === "exact-cache" && !(rows = openRows(file))) throw missing();
            try {
                // Tokenized on the first trial, not before: a tokenizer that aborts the process then names this trial.
                stream ??= tokenStream({tokenizeText: tokenizeText.bind(session)}, text, config.corpus.maxTokens);
                const {stream: all, bos} = await stream;
                const {chunk, chunkSize, firstScored} = spec;
                if ((chunk + 1) * chunkSize > all.length)
                    throw new Error(`the corpus gives only ${all.length} tokens, chunk ${chunk} needs tokens ${chunk * chunkSize}..${(chunk + 1) * chunkSize - 1} (lower corpus.maxTokens or add files)`);
                const tokens = chunkTokens(all, bos, spec);
                const tokensSha = tokensSha256(tokens);
                // The next trial's chunk, which the session may start decoding while this one's rows are read.
                const following = hints?.next?.spec;
                const next = following && (following.chunk + 1) * following.chunkSize <= all.length
                    ? {tokens: chunkTokens(all, bos, following), fromIndex: following.firstScored} : undefined;
                const otherTokens = () => new Error(`this file reads chunk ${chunk} of the corpus as other tokens than the reference ${spec.referenceFile} did ` +
                    `(a different tokenizer?): its distributions cannot be compared`);

                const evaluateStarted = performance.now();
                let scores: PositionScores[];
                let kept: number;
                if (route === "top-k") {
                    let compared: Pick<NextTokenLogprobs, "idLogprobs" | "idsRestMass" | "tokenLogprob" | "argmax">[];
                    if (spec.isReference) {
                        const distributions = await nextTokenLogprobs.call(session, tokens, firstScored, {topK, next});
                        await describeCache(dir, spec, {topK});
                        // Scored from the chunk as stored (float32 log-probabilities), as every other file of the ladder reads it.
                        reference = chunkFromDistributions({
                            referenceSha256: spec.referenceSha256, referenceFile: spec.referenceFile, chunk, chunkSize, firstScored,
                            topK, tokensSha256: tokensSha
                        }, distributions);
                        await writeChunk(file, reference);
                        compared = distributions.map((d) => ({idLogprobs: d.topLogprobs, idsRestMass: d.restMass, tokenLogprob: d.tokenLogprob, argmax: d.argmax}));
                    } else {
                        const header = reference!.header;
                        if (header.tokensSha256 !== tokensSha || header.firstScored !== firstScored || header.chunkSize !== chunkSize) throw otherTokens();
                        const k = header.k;
                        compared = await nextTokenLogprobs.call(session, tokens, firstScored, {
                            topK: 1, next,
                            ids: (position) => reference!.ids.subarray((position - firstScored) * k, (position - firstScored + 1) * k)
                        });
                    }
                    if (compared.length !== reference!.header.positions) throw new Error(`expected ${reference!.header.positions} scored positions, got ${compared.length}`);
                    scores = compared.map((c, j) => comparePosition(referencePosition(reference!, j), {
                        idLogprobs: c.idLogprobs!, idsRestMass: c.idsRestMass!, tokenLogprob: c.tokenLogprob, argmax: c.argmax
                    }));
                    kept = reference!.header.k;
                } else if (spec.isReference) {
                    let writer: RowsWriter | undefined;
                    if (route === "exact-cache") {
                        await describeCache(dir, spec, {rows: "full logits, float32"});
                        writer = new RowsWriter(file, {
                            referenceSha256: spec.referenceSha256, referenceFile: spec.referenceFile, chunk, chunkSize, firstScored,
                            positions: chunkSize - 1 - firstScored, vocabularySize: session.vocabularySize!, tokensSha256: tokensSha
                        });
                    }
                    try {
                        const own = await nextTokenLogprobs.call(session, tokens, firstScored, {topK: 1, next, rowsOut: writer && ((first, count, out) => writer!.write(first, count, out))});
                        writer?.finish();
                        scores = own.map(selfScores);
                    } catch (error) {
                        writer?.abort();
                        throw error;
                    }
                    kept = session.vocabularySize!;
                } else {
                    let referenceRows: ReferenceRows;
                    if (route === "exact-cache") {
                        const header = rows!.header;
                        if (header.tokensSha256 !== tokensSha || header.firstScored !== firstScored || header.chunkSize !== chunkSize) throw otherTokens();
                        referenceRows = rows!.rows;
                    } else {
                        lockstep ??= session.openReferenceModel!(spec.referencePath!);
                        referenceRows = (await lockstep).rows(tokens, firstScored);
                    }
                    const compared = await nextTokenLogprobs.call(session, tokens, firstScored, {reference: referenceRows, next});
                    scores = compared.map(exactScores);
                    kept = session.vocabularySize!;
                }
                const evaluateMs = performance.now() - evaluateStarted;

                const positions = chunkSize - 1 - firstScored;
                if (scores.length !== positions) throw new Error(`expected ${positions} scored positions, got ${scores.length}`);
                const sums = emptySums();
                const kld = new Float32Array(positions);
                const deltaP = new Float32Array(positions);
                scores.forEach((position, j) => {
                    kld[j] = position.kld;
                    deltaP[j] = position.deltaP;
                    addPosition(sums, position);
                });
                const summary = summarize(sums);
                const vocabularySize = session.vocabularySize ?? null;
                return {
                    input: {
                        chunk, chunkSize, firstScored, scoredTokens: positions, topK: kept,
                        // k kept = min(k asked, vocabulary): fewer than asked means every token was kept.
                        vocabularySize,
                        kldExact: route !== "top-k" || (vocabularySize != null ? kept >= vocabularySize : kept < topK),
                        kldRoute: route, kldRouteWhy: why,
                        reference: spec.referenceFile, isReference: spec.isReference, tokensSha256: tokensSha,
                        ...(route === "exact-lockstep" ? {} : {cacheFile: file})
                    },
                    output: {
                        encoding: "base64 float32 little-endian, one value per scored position",
                        kld: encodeFloat32(kld),
                        deltaP: encodeFloat32(deltaP)
                    },
                    scores: {
                        ...sums,
                        meanKld: summary.meanKld,
                        top1Agreement: summary.top1Agreement,
                        rmsDeltaP: summary.rmsDeltaP,
                        ppl: summary.ppl,
                        pplReference: summary.pplReference
                    },
                    promptTokens: chunkSize,
                    timings: {totalMs: performance.now() - started, evaluateMs}
                };
            } finally {
                rows?.close();
            }
        }
    };
}

/** A chunk's tokens as llama-perplexity reads them: the stream's slice, BOS first. */
function chunkTokens(all: number[], bos: number | null, spec: Pick<FidelityTrialSpec, "chunk" | "chunkSize">): number[] {
    const tokens = all.slice(spec.chunk * spec.chunkSize, (spec.chunk + 1) * spec.chunkSize);
    if (bos != null) tokens[0] = bos;
    return tokens;
}
