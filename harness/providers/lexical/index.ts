import type {Provider} from "../provider.js";
import {LEXICAL_METHODS} from "./methods.js";
import {isBuiltinRef, LexicalSettings, resolveBuiltinModels} from "./models.js";
import {LexicalSession} from "./session.js";

/**
 * Built-in lexical baselines (`builtin:jaccard`): pure JavaScript on the sentences, no weights,
 * nothing native that could abort, so they run in-process. Tasks a lexical model cannot serve
 * fail their trials with a message naming what it lacks.
 */
const lexicalProvider: Provider<LexicalSettings> = {
    id: "lexical",
    syntax: "builtin:<method> (builtin:jaccard)",
    claims: isBuiltinRef,
    async resolve(refs) {
        return resolveBuiltinModels(refs as string[]);
    },
    isolation: "in-process",
    async open(_model, settings) {
        const method = LEXICAL_METHODS[settings.method];
        if (!method) throw new Error(`no lexical method "${settings.method}" (known: ${Object.keys(LEXICAL_METHODS).join(", ")})`);
        // In-process: the process's memory is not this model's, so no peak is claimed.
        return {session: new LexicalSession(method), loadMs: 0, engine: "none (builtin lexical baseline)", concurrency: 1, dispose: async () => undefined};
    }
};

export default lexicalProvider;
