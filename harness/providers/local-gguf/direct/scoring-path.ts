/** Which path a local session scores on; nothing here loads libllama. */
export type ScoringPath = "direct" | "sampler";

/** SLMBENCH_SCORING=sampler reads distributions through node-llama-cpp's sampler instead (the slower path kept for comparison). */
export function scoringPathFromEnv(): ScoringPath {
    const raw = process.env.SLMBENCH_SCORING;
    if (raw === undefined || raw === "" || raw === "direct") return "direct";
    if (raw === "sampler") return "sampler";
    throw new Error(`SLMBENCH_SCORING must be "direct" or "sampler", got ${JSON.stringify(raw)}`);
}
