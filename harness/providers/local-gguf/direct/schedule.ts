/**
 * How a local session splits its tokens into llama_decode calls, shared by the sampler path
 * (node-llama-cpp) and the direct path, so that both decode the same batches. With flash attention
 * (llama.cpp's default "auto": on where the backend supports it), a row of logits depends on how
 * tokens are split into decodes in its last digits: the same split gives the same numbers.
 * Nothing here loads libllama.
 */

/** Vocabulary entries (positions x vocabulary size) whose distributions one evaluation call asks for: 16 MB of float32 logits. */
export const DISTRIBUTION_ENTRIES_PER_CALL = 1 << 22;

/**
 * The fewest tokens of a scoring decode: llama.cpp's CPU flash attention takes its tiled kernel
 * from 64 query tokens (GGML_FA_TILE_Q) and rounds differently below, so shorter decodes would not
 * give the logits of a whole chunk decoded at once (llama-perplexity's); decodes of 64 tokens or
 * more give them bit for bit.
 */
export const MIN_SCORING_DECODE = 64;

/** Scored positions per evaluation call at this vocabulary size: 16 MB of logits, and at least MIN_SCORING_DECODE (39 MB at 151,936 tokens). */
export function scoredPerCall(vocabularySize: number): number {
    return Math.max(MIN_SCORING_DECODE, Math.floor(DISTRIBUTION_ENTRIES_PER_CALL / vocabularySize));
}

/**
 * The evaluation calls that read distributions at positions [fromIndex, end) of tokens [start, end):
 * each call holds at most `perCall` scored positions, the first one also every unscored token before
 * them. Where the last call would hold fewer than MIN_SCORING_DECODE tokens, the remainder goes in
 * the first call instead, whose unscored tokens make up the difference, if it has enough (and, with
 * `batchSize`, if node-llama-cpp's cut of it into decodes from its start leaves a long enough
 * last one). node-llama-cpp splits each call into decodes of its batch size (see decodeRanges).
 */
export function scoringCalls(start: number, fromIndex: number, end: number, perCall: number, batchSize = Number.POSITIVE_INFINITY): [number, number][] {
    const firstScored = Math.max(start, fromIndex);
    const remainder = (end - firstScored) % perCall;
    let lead = perCall;
    if (end - firstScored > perCall && remainder > 0 && remainder < MIN_SCORING_DECODE) {
        const firstCall = firstScored + remainder - start;
        const lastDecode = firstCall % batchSize || Math.min(firstCall, batchSize);
        if (lastDecode >= MIN_SCORING_DECODE) lead = remainder;
    }
    const calls: [number, number][] = [];
    for (let at = start; at < end;) {
        const to = Math.min(end, Math.max(at, firstScored) + (at === start ? lead : perCall));
        calls.push([at, to]);
        at = to;
    }
    return calls;
}

/** The decodes of those calls: each call cut into pieces of `batchSize` tokens from its start, as node-llama-cpp's batch queue does. */
export function decodeRanges(start: number, fromIndex: number, end: number, perCall: number, batchSize: number): [number, number][] {
    const ranges: [number, number][] = [];
    for (const [from, to] of scoringCalls(start, fromIndex, end, perCall, batchSize))
        for (let at = from; at < to; at += batchSize) ranges.push([at, Math.min(to, at + batchSize)]);
    return ranges;
}

/** llama.cpp pads KV caches to this many cells (node-llama-cpp's contextSizePad). */
const CONTEXT_PAD = 256;
const pad = (value: number) => Math.ceil(value / CONTEXT_PAD) * CONTEXT_PAD;

/**
 * The KV cells (n_ctx) and batch size (n_batch = n_ubatch) node-llama-cpp 3.21.1 gives a
 * one-sequence context asked for `contextSize` tokens (LlamaContext._create): the size is padded to
 * 256 cells, the batch is min(size, 512) of the size before the constructor's own padding.
 */
export function nodeLlamaCppContextShape(contextSize: number, trainContextSize: number): {cells: number; batchSize: number} {
    const size = Math.max(2, contextSize);
    const resolved = size <= trainContextSize && pad(size) < trainContextSize ? pad(size) : size;
    return {cells: pad(resolved), batchSize: Math.min(resolved, 512)};
}
