// The model process's entry, in plain JavaScript so node runs it without a loader:
//  - the provider's preload module (argv[2], e.g. local-gguf's, which imports node-llama-cpp and
//    starts getLlama) runs before tsx's loader hooks exist: node-llama-cpp's ~200 modules load
//    ~0.4 s faster without them, and the binary test getLlama forks runs while model-child.ts compiles;
//  - tsx is registered in-process instead of `node --import tsx`: that fork inherits
//    process.execArgv, so with `--import tsx` every model file paid for loading tsx a second time.
import {pathToFileURL} from "node:url";
import {register} from "tsx/esm/api";

// Ctrl-C, a closing terminal or a signal to the whole process group reach this process too: the
// run decides (it kills this process after closing its journal), so a stop is never taken for a
// crash. The process still ends when the run's process disappears (model-child.ts: disconnect).
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => {});
process.on("disconnect", () => process.exit(1));

const preload = process.argv[2];
if (preload) await import(pathToFileURL(preload).href);
register();
await import("./model-child.ts");
