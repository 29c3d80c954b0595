// The model child process's entry, in plain JavaScript so node runs it without a loader:
//  - node-llama-cpp is imported, and getLlama started (llama-preload.mjs), before tsx's loader
//    hooks exist: its ~200 modules load ~0.4 s faster without them, and the binary test getLlama
//    forks runs while child.ts compiles;
//  - tsx is registered in-process instead of `node --import tsx`: that fork inherits
//    process.execArgv, so with `--import tsx` every model file paid for loading tsx a second time.
import "./llama-preload.mjs";
import {register} from "tsx/esm/api";

register();
await import("./child.ts");
