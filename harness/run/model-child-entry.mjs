// The model process's entry, in plain JavaScript so node runs it without a loader:
//  - the provider's preload module (argv[2], e.g. local-gguf's, which imports node-llama-cpp and
//    starts getLlama) runs before tsx's loader hooks exist: node-llama-cpp's ~200 modules load
//    ~0.4 s faster without them, and the binary test getLlama forks runs while model-child.ts compiles;
//  - tsx is registered in-process instead of `node --import tsx`: that fork inherits
//    process.execArgv, so with `--import tsx` every model file paid for loading tsx a second time.
import {pathToFileURL} from "node:url";
import {register} from "tsx/esm/api";

const preload = process.argv[2];
if (preload) await import(pathToFileURL(preload).href);
register();
await import("./model-child.ts");
