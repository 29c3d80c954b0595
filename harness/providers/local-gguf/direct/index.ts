/**
 * The direct scoring path of a local GGUF session: the same file loaded a second time through
 * libllama (koffi), in the model process beside node-llama-cpp, for what needs raw logits or many
 * sequences per decode (fidelity, NIAH's generation and teacher-forced log-probabilities on one KV
 * cache, STS embeddings). node-llama-cpp keeps chat templates, tokenization and detokenization. Each part is created on first use.
 */
import {DirectEmbedder} from "./embedder.js";
import {DirectModel} from "./model.js";
import {DirectScorer, type DirectScorerOptions} from "./scorer.js";

export {scoringPathFromEnv, type ScoringPath} from "./scoring-path.js";

/** The scorer's options (scoring and generation context), and the embedder's. */
export interface DirectScoringOptions extends DirectScorerOptions {
    /** Tokens per embedded input (default contextSize). */
    embeddingContextSize?: number;
    /** Flash attention for embeddings (default on). */
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

    /**
     * Another GGUF file of the same vocabulary loaded beside this one, scoring in lockstep with
     * this model's scorer (same context shape and decodes): its rows of the tokens this model scores.
     */
    openReference(modelPath: string): {scorer: DirectScorer; dispose(): void} {
        const model = DirectModel.load(modelPath);
        if (model.vocabularySize !== this.model.vocabularySize) {
            model.free();
            throw new Error(`${modelPath} has a vocabulary of ${model.vocabularySize} tokens, ${this.modelPath} ${this.model.vocabularySize}: their distributions cannot be compared`);
        }
        const scorer = new DirectScorer(model, this.options);
        this.references.add(scorer);
        return {
            scorer,
            dispose: () => {
                this.references.delete(scorer);
                this.evaluatedBefore += scorer.evaluatedTokens;
                scorer.dispose();
                model.free();
            }
        };
    }

    private readonly references = new Set<DirectScorer>();

    /** Tokens decoded by the scorers during disposed lives. */
    private evaluatedBefore = 0;

    /** Tokens decoded by the scorer so far (kept after dispose, for the session's counters). */
    get evaluatedTokens(): number {
        let references = 0;
        for (const scorer of this.references) references += scorer.evaluatedTokens;
        return this.evaluatedBefore + (this.scorerInstance?.evaluatedTokens ?? 0) + references;
    }

    /** Waits for a decode the scorer started ahead (see DirectScorer.settle): call before dispose() or synchronous scorer calls. */
    async settle(): Promise<void> {
        await this.scorerInstance?.settle();
    }

    dispose(): void {
        this.evaluatedBefore = this.evaluatedTokens;
        this.scorerInstance?.dispose();
        this.embedderInstance?.dispose();
        this.loaded?.free();
        this.scorerInstance = this.embedderInstance = this.loaded = undefined;
    }
}
