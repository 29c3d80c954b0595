import {fork} from "node:child_process";
import {fileURLToPath} from "node:url";
import type {GpuUse, Provider} from "../providers/provider.js";
import type {ModelJob, ModelJobEvents, ModelJobOutcome} from "./model-job.js";
import type {ChildMessage, RunMessage} from "./model-process-protocol.js";

/** Imports the provider's preload, registers tsx itself and imports model-child.ts: see model-child-entry.mjs. */
const CHILD_ENTRY = fileURLToPath(new URL("./model-child-entry.mjs", import.meta.url));
const STDERR_TAIL = 2000;

/**
 * Runs a model job in a model process of its own. A native abort there (llama.cpp calling
 * abort(), e.g. a tokenizer throwing std::out_of_range) ends only that process: the outcome names
 * the trial in flight and the run goes on with the next model.
 */
export function runInModelProcess(provider: Provider, job: ModelJob, events: ModelJobEvents): Promise<ModelJobOutcome> {
    const child = fork(CHILD_ENTRY, provider.preload ? [provider.preload] : [], {
        execArgv: [],
        // The preload starts its runtime before the job arrives: it reads the open options from here.
        env: {...process.env, SLMBENCH_OPEN_OPTIONS: JSON.stringify({threads: job.threads, contextSize: job.contextSize, gpu: job.gpu})},
        stdio: ["ignore", "ignore", "pipe", "ipc"],
        serialization: "advanced"
    });
    let stderrTail = "";
    child.stderr!.on("data", (chunk: Buffer) => {
        stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL);
    });
    const state: {loadMs?: number; llamaCpp?: string; gpu?: GpuUse; peakRssBytes?: number; fatal?: string; current?: {instanceId: string; trialId: string}} = {};
    child.on("message", (message: ChildMessage) => {
        switch (message.type) {
            case "loaded":
                state.loadMs = message.loadMs;
                state.llamaCpp = message.llamaCpp;
                state.gpu = message.gpu;
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
    child.send({type: "run", job} satisfies RunMessage);

    return new Promise((resolve) => {
        child.on("exit", (exitCode, signal) => {
            if (exitCode === 0 && state.peakRssBytes != null) {
                resolve({ok: true, loadMs: state.loadMs ?? 0, peakRssBytes: state.peakRssBytes, llamaCpp: state.llamaCpp ?? "unknown", gpu: state.gpu});
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
                gpu: state.gpu,
                error: {message, instanceId: state.current?.instanceId, trialId: state.current?.trialId, exitCode, signal}
            });
        });
    });
}
