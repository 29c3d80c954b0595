import type {Provider} from "../provider.js";
import {claimsHosted, hostedIdentity, hostedModelRefSchema, HostedRuntime, resolveHostedModels} from "./models.js";
import type {HostedProtocol} from "./protocol.js";

/**
 * A hosted protocol as a provider: references by URI prefix (or `{hosted: "<uri>", ...}`), run
 * in-process with as many trials in flight as the endpoint pool has request slots. A request's
 * final failure is that trial's error; the run goes on.
 */
export function hostedProvider(protocol: HostedProtocol): Provider<HostedRuntime> {
    return {
        id: protocol.kind,
        syntax: `${protocol.syntax}, or {hosted: "<uri>", ...settings}`,
        claims: (ref) => claimsHosted(protocol, ref),
        refSchema: hostedModelRefSchema,
        identity: hostedIdentity,
        async resolve(refs) {
            return resolveHostedModels(protocol, refs);
        },
        isolation: "in-process",
        async open(model, runtime) {
            // The HTTP client loads only when a hosted model runs.
            const {HostedSession} = await import("./session.js");
            const session = new HostedSession(protocol, runtime);
            // The model is not in this process: no peak memory is claimed.
            return {session, loadMs: 0, engine: `none (hosted: ${model.id})`, concurrency: session.concurrency, dispose: async () => undefined};
        }
    };
}
