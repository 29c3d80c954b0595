import {writeFile, mkdir} from "node:fs/promises";
import {existsSync} from "node:fs";
import path from "node:path";
import type {NextTokenLogprobs, Session} from "../../session/types.js";
import type {PlannedTrial, TaskContext, TaskRunner} from "../types.js";
import {chunkFile, chunkFromDistributions, readChunk, ReferenceChunk, referenceCacheDir, referenceCacheKey, referencePosition, writeChunk} from "./cache.js";
import {requestedTopK, type FidelityConfig} from "./config.js";
import {loadCorpusText, sha256Hex, tokensSha256, tokenStream} from "./corpus.js";
import {addPosition, comparePosition, emptySums, encodeFloat32, summarize} from "./metrics.js";
import type {FidelityTrialSpec} from "./plan.js";

/**
 * Runs fidelity chunks on one model file. The reference file evaluates each chunk, writes its
 * top-k distributions to the cache and scores itself against what it wrote (KLD exactly 0: the
 * same numbers through the same code, a check of the cache round trip). Every other file reads
 * the reference's chunk, evaluates the same tokens and reads, at each scored position, its own
 * probabilities of the reference's top-k tokens and of the rest.
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
    // The build is part of the key: another llama.cpp computes other distributions, so its reference pass runs again.
    const cacheDirFor = (spec: FidelityTrialSpec) => referenceCacheDir(context.assetRoots.cacheDir, spec.referenceSha256, referenceCacheKey({
        textSha256, maxTokens: config.corpus.maxTokens, chunkSize: spec.chunkSize, topK, scoredPositions: config.scoredPositions, build: session.backend ?? "unknown"
    }));

    /** A readable note beside the chunk files: what they were computed from. */
    async function describeCache(dir: string, spec: FidelityTrialSpec) {
        if (written.has(dir)) return;
        written.add(dir);
        await mkdir(dir, {recursive: true});
        const about = path.join(dir, "config.json");
        if (!existsSync(about))
            await writeFile(about, JSON.stringify({
                referenceFile: spec.referenceFile, referenceSha256: spec.referenceSha256, corpus: config.corpus, textSha256,
                chunkSize: spec.chunkSize, chunks: spec.chunks, topK, scoredPositions: config.scoredPositions, build: session.backend ?? "unknown"
            }, null, 2) + "\n");
    }

    return {
        async run(trial: PlannedTrial<FidelityTrialSpec>) {
            const started = performance.now();
            const spec = trial.spec;
            const dir = cacheDirFor(spec);
            const file = chunkFile(dir, spec.chunk);
            let reference: ReferenceChunk | undefined;
            // A compared file needs the reference's chunk: check before any model work.
            if (!spec.isReference) {
                reference = readChunk(file);
                if (!reference)
                    throw new Error(`reference distributions not found: run the ladder's reference file ${spec.referenceFile} in the same suite ` +
                        `(it runs first and caches them; if it did run, its own result says why it failed; looked for ${file})`);
            }
            // Tokenized on the first trial, not before: a tokenizer that aborts the process then names this trial.
            stream ??= tokenStream({tokenizeText: tokenizeText.bind(session)}, text, config.corpus.maxTokens);
            const {stream: all, bos} = await stream;
            const {chunk, chunkSize, firstScored} = spec;
            if ((chunk + 1) * chunkSize > all.length)
                throw new Error(`the corpus gives only ${all.length} tokens, chunk ${chunk} needs tokens ${chunk * chunkSize}..${(chunk + 1) * chunkSize - 1} (lower corpus.maxTokens or add files)`);
            const tokens = all.slice(chunk * chunkSize, (chunk + 1) * chunkSize);
            if (bos != null) tokens[0] = bos; // llama-perplexity starts every chunk with BOS
            const tokensSha = tokensSha256(tokens);

            const evaluateStarted = performance.now();
            let compared: Pick<NextTokenLogprobs, "idLogprobs" | "idsRestMass" | "tokenLogprob" | "argmax">[];
            if (spec.isReference) {
                const distributions = await nextTokenLogprobs.call(session, tokens, firstScored, {topK});
                await describeCache(dir, spec);
                await writeChunk(file, chunkFromDistributions({
                    referenceSha256: spec.referenceSha256, referenceFile: spec.referenceFile, chunk, chunkSize, firstScored,
                    topK, tokensSha256: tokensSha
                }, distributions));
                reference = readChunk(file)!;
                compared = distributions.map((d) => ({idLogprobs: d.topLogprobs, idsRestMass: d.restMass, tokenLogprob: d.tokenLogprob, argmax: d.argmax}));
            } else {
                const header = reference!.header;
                if (header.tokensSha256 !== tokensSha || header.firstScored !== firstScored || header.chunkSize !== chunkSize)
                    throw new Error(`this file reads chunk ${chunk} of the corpus as other tokens than the reference ${spec.referenceFile} did ` +
                        `(a different tokenizer?): its distributions cannot be compared`);
                const k = header.k;
                compared = await nextTokenLogprobs.call(session, tokens, firstScored, {
                    topK: 1,
                    ids: (position) => reference!.ids.subarray((position - firstScored) * k, (position - firstScored + 1) * k)
                });
            }
            const evaluateMs = performance.now() - evaluateStarted;

            const positions = reference!.header.positions;
            if (compared.length !== positions) throw new Error(`expected ${positions} scored positions, got ${compared.length}`);
            const sums = emptySums();
            const kld = new Float32Array(positions);
            const deltaP = new Float32Array(positions);
            compared.forEach((c, j) => {
                const scores = comparePosition(referencePosition(reference!, j), {
                    idLogprobs: c.idLogprobs!, idsRestMass: c.idsRestMass!, tokenLogprob: c.tokenLogprob, argmax: c.argmax
                });
                kld[j] = scores.kld;
                deltaP[j] = scores.deltaP;
                addPosition(sums, scores);
            });
            const summary = summarize(sums);
            return {
                input: {
                    chunk, chunkSize, firstScored, scoredTokens: positions, topK: reference!.header.k,
                    // k kept = min(k asked, vocabulary): fewer than asked means every token was kept.
                    vocabularySize: session.vocabularySize ?? null,
                    kldExact: session.vocabularySize != null ? reference!.header.k >= session.vocabularySize : reference!.header.k < reference!.header.topK,
                    reference: spec.referenceFile, isReference: spec.isReference, tokensSha256: tokensSha, cacheFile: file
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
        }
    };
}
