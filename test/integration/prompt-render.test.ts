import {ChatMLChatWrapper, getLlama, LlamaLogLevel} from "node-llama-cpp";
import {describe, expect, it} from "vitest";
import {LocalGgufSession} from "../../harness/providers/local-gguf/session.js";
import {stories260K} from "../helpers/assets.js";

// stories260K's tokenizer has byte fallback, so template markers tokenize (as text) without a native abort.
describe("prompt rendering", async () => {
    const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
    const model = await llama.loadModel({modelPath: stories260K("F32")});
    const prompt = {system: "Be brief.", user: "Where is the key?", answerPrefix: "The key is"};

    it("renders base models as plain text ending in the answer prefix, BOS first", () => {
        const session = new LocalGgufSession(model, {contextSize: 256, threads: 1});
        expect(session.promptStyle).toBe("base");
        const tokens = session.renderPrompt(prompt);
        expect(tokens[0]).toBe(model.tokens.bos);
        expect(model.detokenize(tokens).trim()).toBe("Be brief.\n\nWhere is the key?\nThe key is");
    });

    it("renders with a chat template: system and user turns, the assistant turn pre-filled and left open", () => {
        const session = new LocalGgufSession(model, {contextSize: 256, threads: 1}, {chatWrapper: new ChatMLChatWrapper()});
        expect(session.promptStyle).toBe("chat-template");
        // Detokenizing a SentencePiece vocabulary adds word-boundary spaces: compare without whitespace.
        const squeeze = (tokens: number[]) => model.detokenize(tokens as never, true).replace(/\s+/g, "");
        const text = squeeze(session.renderPrompt(prompt));
        expect(text).toBe("<s><|im_start|>systemBebrief.<|im_end|><|im_start|>userWhereisthekey?<|im_end|><|im_start|>assistantThekeyis");
        // The scored continuation extends the same rendering.
        expect(squeeze(session.renderPrompt(prompt, " under the mat."))).toBe(text + "underthemat.");
    });
});
