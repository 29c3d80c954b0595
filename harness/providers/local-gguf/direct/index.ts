/**
 * The direct scoring path of a local GGUF session: the same file loaded a second time through
 * libllama (koffi), in the model process beside node-llama-cpp, for what needs raw logits or many
 * sequences per decode (fidelity, NIAH's teacher-forced log-probabilities, STS embeddings).
 * node-llama-cpp keeps chat templates, tokenization and generation. Each part is created on first use.
 */
import {DirectEmbedder} from "./embedder.js";
import {DirectModel} from "./model.js";
import {DirectScorer} from "./scorer.js";

export type ScoringPath = "direct" | "sampler";

/** SLMBENCH_SCORING=sampler reads distributions through node-llama-cpp's sampler instead (the slower path kept for comparison). */
export function scoringPathFromEnv(): ScoringPath {
    const raw = process.env.SLMBENCH_SCORING;
    if (raw === undefined || raw === "" || raw === "direct") return "direct";
    if (raw === "sampler") return "sampler";
    throw new Error(`SLMBENCH_SCORING must be "direct" or "sampler", got ${JSON.stringify(raw)}`);
}

export interface DirectScoringOptions {
    contextSize: number;
    threads: number;
    reusePrefix?: boolean;
    /** Tokens per embedded input (default contextSize). */
    embeddingContextSize?: number;
    /** Flash attention for embeddings (scoring always runs without it). */
    embeddingFlashAttention?: boolean;
}

export class DirectScoring {
    private loaded?: DirectModel;
    private scorerInstance?: DirectScorer;
    private embedderInstance?: DirectEmbedder;

    constructor(readonly modelPath: string, private readonly options: DirectScoringOptions) {}

    get model(): DirectModel {
        this.loaded ??= DirectModel.load(this.modelPath);
        return this.loaded;
    }

    get scorer(): DirectScorer {
        this.scorerInstance ??= new DirectScorer(this.model, this.options);
        return this.scorerInstance;
    }

    get embedder(): DirectEmbedder {
        this.embedderInstance ??= new DirectEmbedder(this.model, {contextSize: this.options.embeddingContextSize ?? this.options.contextSize,
            threads: this.options.threads, flashAttention: this.options.embeddingFlashAttention});
        return this.embedderInstance;
    }

    /** Tokens decoded by the scorer so far. */
    get evaluatedTokens(): number {
        return this.scorerInstance?.evaluatedTokens ?? 0;
    }

    dispose(): void {
        this.scorerInstance?.dispose();
        this.embedderInstance?.dispose();
        this.loaded?.free();
        this.scorerInstance = this.embedderInstance = this.loaded = undefined;
    }
}
