import {defineSuite} from "../../harness/config/suite.js";

/**
 * Sentence similarity on the wnft-sif-256 embedding ladder (F16 reference down to Q2_K) and the
 * built-in Jaccard word-overlap baseline, which needs no weights and checks the dataset parsing
 * (its Spearman x100 is 55.79 on STS-B test, 64.79 on dev, 57.44 on SICK test).
 * Expected wnft scores: models/MANIFEST.md. Each quantized file's document gains `vsReference`
 * (Spearman change with a paired-bootstrap CI, and embedding drift) after the run.
 */
export default defineSuite({
    name: "sts",
    description: "STS-B test/dev and SICK-R test on the wnft-sif-256 ladder and a Jaccard baseline",
    models: [
        {asset: "wnft-sif-256"},
        "builtin:jaccard"
    ],
    tasks: [
        {type: "sts", id: "sts-stsb-test", dataset: {type: "stsb", split: "test"}},
        {type: "sts", id: "sts-stsb-dev", dataset: {type: "stsb", split: "dev"}},
        // The SentEval / SBERT-paper convention (4,927 test pairs); MTEB's SICK-R is pairs: "all" (9,927).
        {type: "sts", id: "sts-sick-test", dataset: {type: "sick", pairs: "test"}}
    ]
});
