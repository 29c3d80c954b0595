import {fork} from "node:child_process";
import {fileURLToPath} from "node:url";
import type {GpuUse, Provider} from "../providers/provider.js";
import type {ModelJob, ModelJobEvents, ModelJobOutcome} from "./model-job.js";
import type {ChildMessage, RunMessage} from "./model-process-protocol.js";
import {interruption, trackModelProcess} from "./signals.js";
import {describeUnsafeText, parseUnsafeTextLine, type UnsafeText} from "../util/tokenizer-hints.js";

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
    trackModelProcess(child);
    const state: {loadMs?: number; llamaCpp?: string; gpu?: GpuUse; peakRssBytes?: number; fatal?: string; current?: {instanceId: string; trialId: string};
        unsafeText?: UnsafeText} = {};
    // stderr by lines: the model process's notes on text its tokenizer cannot encode are kept apart from llama.cpp's last words.
    let stderrTail = "";
    let partial = "";
    child.stderr!.on("data", (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split("\n");
        partial = lines.pop()!.slice(-STDERR_TAIL);
        for (const line of lines) {
            const hint = parseUnsafeTextLine(line);
            if (hint) state.unsafeText = hint;
            else stderrTail = (stderrTail + line + "\n").slice(-STDERR_TAIL);
        }
    });
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
                // What a finished trial tokenized did not take the process down (the hint pipe and IPC are not ordered, so this clears, not trial-start).
                state.unsafeText = undefined;
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

    // The process's last stderr lines (llama.cpp's message before an abort) may arrive after "exit": wait for the pipe's end, briefly.
    const stderrEnded = new Promise<void>((resolve) => {
        child.stderr!.once("end", resolve);
        child.stderr!.once("error", () => resolve());
    });
    return new Promise((resolve) => {
        child.on("exit", async (exitCode, signal) => {
            await Promise.race([stderrEnded, new Promise((wait) => setTimeout(wait, 500))]);
            if (exitCode === 0 && state.peakRssBytes != null) {
                resolve({ok: true, loadMs: state.loadMs ?? 0, peakRssBytes: state.peakRssBytes, llamaCpp: state.llamaCpp ?? "unknown", gpu: state.gpu});
                return;
            }
            if (interruption()) {
                resolve({ok: false, loadMs: state.loadMs, llamaCpp: state.llamaCpp, error: {message: `interrupted (${interruption()})`, exitCode, signal}});
                return;
            }
            stderrTail += partial;
            const nativeMessage = stderrTail.split("\n").map((line) => line.trim()).filter(Boolean).slice(-3).join(" | ");
            const during = state.current ? ` during trial ${state.current.trialId} (${state.current.instanceId})`
                : state.loadMs == null ? " while loading the model" : "";
            const message = state.fatal
                ? `${state.fatal}${during}`
                : `model process ${signal ? `killed by ${signal}` : `exited with code ${exitCode}`}${during}` +
                  (nativeMessage ? `: ${nativeMessage}` : "") +
                  (state.unsafeText ? `; ${describeUnsafeText(state.unsafeText)}` : "");
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
