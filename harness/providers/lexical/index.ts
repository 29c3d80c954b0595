import type {ModelJob, ModelJobEvents, ModelJobOutcome, Provider} from "../provider.js";
import {runTasksOnSession} from "../run-tasks.js";
import {LEXICAL_METHODS} from "./methods.js";
import {LexicalSession} from "./session.js";

/**
 * Built-in lexical baselines (`builtin:jaccard`), run in-process: pure JavaScript on the
 * sentences, no weights, nothing native that could abort, so no child process. Tasks a lexical
 * model cannot serve fail their trials with a message naming what it lacks.
 */
export const lexicalProvider: Provider = {
    id: "lexical",
    async runModel(job: ModelJob, events: ModelJobEvents): Promise<ModelJobOutcome> {
        const method = LEXICAL_METHODS[job.model.fileName];
        if (!method) return {ok: false, error: {message: `no lexical method "${job.model.fileName}" (known: ${Object.keys(LEXICAL_METHODS).join(", ")})`}};
        const llamaCpp = "none (builtin lexical baseline)";
        events.onLoaded?.({loadMs: 0, llamaCpp});
        await runTasksOnSession(new LexicalSession(method), job, {
            onTrialStart: (instanceId, trialId) => events.onTrialStart?.(instanceId, trialId),
            onTrialDone: (instanceId, record) => events.onTrialDone(instanceId, record),
            onTaskDone: (instanceId, performance) => events.onTaskDone?.(instanceId, performance)
        });
        // In-process: the parent's memory is not this model's, so no peak is claimed.
        return {ok: true, loadMs: 0, peakRssBytes: null, llamaCpp};
    }
};
