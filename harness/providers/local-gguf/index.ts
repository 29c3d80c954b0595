import {fork} from "node:child_process";
import {fileURLToPath} from "node:url";
import type {ModelJob, ModelJobEvents, ModelJobOutcome, Provider} from "../provider.js";
import type {ChildMessage, RunMessage} from "./protocol.js";

/** Registers tsx itself and imports child.ts: see child-entry.mjs for why not `--import tsx`. */
const CHILD_ENTRY = fileURLToPath(new URL("./child-entry.mjs", import.meta.url));
const STDERR_TAIL = 2000;

/**
 * Local GGUF files through node-llama-cpp, one child process per model file. A native abort
 * (llama.cpp calling abort(), e.g. a tokenizer throwing std::out_of_range) ends only that child:
 * the outcome names the trial in flight and the run goes on with the next model.
 */
export const localGgufProvider: Provider = {
    id: "local-gguf",
    runModel(job: ModelJob, events: ModelJobEvents): Promise<ModelJobOutcome> {
        if (!job.modelPath) throw new Error(`${job.model.id}: local model without a path`);
        const child = fork(CHILD_ENTRY, [], {
            execArgv: [],
            stdio: ["ignore", "ignore", "pipe", "ipc"],
            serialization: "advanced"
        });
        let stderrTail = "";
        child.stderr!.on("data", (chunk: Buffer) => {
            stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL);
        });
        const state: {loadMs?: number; llamaCpp?: string; peakRssBytes?: number; fatal?: string; current?: {instanceId: string; trialId: string}} = {};
        child.on("message", (message: ChildMessage) => {
            switch (message.type) {
                case "loaded":
                    state.loadMs = message.loadMs;
                    state.llamaCpp = message.llamaCpp;
                    events.onLoaded?.(message);
                    break;
                case "trial-start":
                    state.current = {instanceId: message.instanceId, trialId: message.trialId};
                    events.onTrialStart?.(message.instanceId, message.trialId);
                    break;
                case "trial-done":
                    state.current = undefined;
                    events.onTrialDone(message.instanceId, message.record);
                    break;
                case "task-done":
                    events.onTaskDone?.(message.instanceId, message.performance);
                    break;
                case "done":
                    state.peakRssBytes = message.peakRssBytes;
                    break;
                case "fatal":
                    state.fatal = message.message;
                    break;
            }
        });
        const {model: _model, ...rest} = job;
        child.send({type: "run", job: {...rest, modelPath: job.modelPath}} satisfies RunMessage);

        return new Promise((resolve) => {
            child.on("exit", (exitCode, signal) => {
                if (exitCode === 0 && state.peakRssBytes != null) {
                    resolve({ok: true, loadMs: state.loadMs ?? 0, peakRssBytes: state.peakRssBytes, llamaCpp: state.llamaCpp ?? "unknown"});
                    return;
                }
                const nativeMessage = stderrTail.split("\n").map((line) => line.trim()).filter(Boolean).slice(-3).join(" | ");
                const during = state.current ? ` during trial ${state.current.trialId} (${state.current.instanceId})`
                    : state.loadMs == null ? " while loading the model" : "";
                const message = state.fatal
                    ? `${state.fatal}${during}`
                    : `model process ${signal ? `killed by ${signal}` : `exited with code ${exitCode}`}${during}` +
                      (nativeMessage ? `: ${nativeMessage}` : "");
                resolve({
                    ok: false,
                    loadMs: state.loadMs,
                    llamaCpp: state.llamaCpp,
                    error: {message, instanceId: state.current?.instanceId, trialId: state.current?.trialId, exitCode, signal}
                });
            });
        });
    }
};
