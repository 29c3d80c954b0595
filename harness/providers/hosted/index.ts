import {hostedRuntimeFor} from "../../models/hosted.js";
import type {ModelJob, ModelJobEvents, ModelJobOutcome, Provider} from "../provider.js";
import {runTasksOnSession} from "../run-tasks.js";
import {HostedSession} from "./session.js";

/**
 * Hosted models (hf-inference:, hf-endpoint:, openai:), run in-process: the shared trial loop
 * with as many trials in flight as the endpoint pool has request slots. A request's final
 * failure is that trial's error; the run goes on.
 */
function hostedProvider(id: string): Provider {
    return {
        id,
        async runModel(job: ModelJob, events: ModelJobEvents): Promise<ModelJobOutcome> {
            let session: HostedSession;
            try {
                session = new HostedSession(hostedRuntimeFor(job.model));
            } catch (error) {
                return {ok: false, error: {message: (error as Error).message}};
            }
            const llamaCpp = `none (hosted: ${job.model.id})`;
            events.onLoaded?.({loadMs: 0, llamaCpp});
            await runTasksOnSession(session, job, {
                onTrialStart: events.onTrialStart ?? (() => undefined),
                onTrialDone: events.onTrialDone,
                onTaskDone: events.onTaskDone ?? (() => undefined)
            }, {concurrency: session.concurrency});
            // The model is not in this process: no peak memory is claimed.
            return {ok: true, loadMs: 0, peakRssBytes: null, llamaCpp};
        }
    };
}

export const hfInferenceProvider = hostedProvider("hf-inference");
export const hfEndpointProvider = hostedProvider("hf-endpoint");
export const openAiProvider = hostedProvider("openai");
