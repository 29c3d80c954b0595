import {appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync} from "node:fs";
import path from "node:path";
import {TrialRecord, trialRecordSchema} from "./schema.js";

/** Identifies a trial across runs: the same task config on the same model file is the same trial. */
export interface TrialKey {
    instanceId: string;
    configHash: string;
    modelSha256: string;
    trialId: string;
}

const keyString = (key: TrialKey) => `${key.instanceId}|${key.configHash}|${key.modelSha256}|${key.trialId}`;

/** What a model run measured for a task instance, kept so a resumed run can still report it. */
export interface RunMeasurements {
    llamaCpp: string;
    performance: Record<string, unknown>;
    /** Where the model ran (env.gpu), for local models. */
    gpu?: {requested: string; backend: string; layers: number};
}

/**
 * Append-only JSONL of finished trials, each with the engine build (llama.cpp release) that ran
 * it. Each line is written with one write() as the trial
 * finishes, so a killed run (kill -9 included) loses only the trials in flight; fsync runs every
 * `fsyncEvery` lines and on close, so a machine crash loses little more. Reading tolerates a torn
 * last line and keeps the last record of a key, so a resumed run ends with each trial once.
 */
export class Journal {
    private fd: number;
    private readonly records = new Map<string, TrialRecord>();
    private readonly builds = new Map<string, string>();
    private readonly measurements = new Map<string, RunMeasurements>();
    private unsynced = 0;

    constructor(readonly file: string, options: {fresh?: boolean; fsyncEvery?: number} = {}) {
        mkdirSync(path.dirname(file), {recursive: true});
        if (options.fresh && existsSync(file)) rmSync(file);
        if (existsSync(file)) this.load();
        this.fd = openSync(file, "a");
        this.fsyncEvery = options.fsyncEvery ?? 16;
    }
    private readonly fsyncEvery: number;

    private load() {
        for (const line of readFileSync(this.file, "utf8").split("\n")) {
            if (line.trim() === "") continue;
            try {
                const entry = JSON.parse(line) as {key: TrialKey; record?: unknown; build?: unknown; measurements?: RunMeasurements};
                if (entry.measurements) {
                    this.measurements.set(keyString(entry.key), entry.measurements);
                    continue;
                }
                const record = trialRecordSchema.safeParse(entry.record);
                if (!record.success) continue;
                this.records.set(keyString(entry.key), record.data);
                if (typeof entry.build === "string") this.builds.set(keyString(entry.key), entry.build);
                else this.builds.delete(keyString(entry.key));
            } catch {
                // a line torn by a kill: the trial will run again
            }
        }
    }

    /** A finished record (ok or skipped) for the key, if any. Errored trials run again on resume. */
    completed(key: TrialKey): TrialRecord | undefined {
        const record = this.records.get(keyString(key));
        return record && record.status !== "error" ? record : undefined;
    }

    /** How many trials the journal holds finished (ok or skipped): what a resumed run does not run again. */
    finishedCount(): number {
        let count = 0;
        for (const record of this.records.values()) if (record.status !== "error") count++;
        return count;
    }

    get(key: TrialKey): TrialRecord | undefined {
        return this.records.get(keyString(key));
    }

    /** The engine build (env.llamaCpp) that computed the key's last record; undefined when the journal did not record one. */
    buildOf(key: TrialKey): string | undefined {
        return this.builds.get(keyString(key));
    }

    /**
     * Stores a finished record. A record the result schema rejects (a NaN or infinite score, which
     * JSON would write as null, a valid-looking "no score") is refused with an error, never stored.
     */
    append(key: TrialKey, record: TrialRecord, build?: string) {
        const checked = trialRecordSchema.safeParse(record);
        if (!checked.success) {
            const issue = checked.error.issues[0]!;
            throw new Error(`journal ${this.file}: refusing to store trial ${key.trialId} of ${key.instanceId}: ${issue.path.join(".")}: ${issue.message}`);
        }
        this.records.set(keyString(key), record);
        if (build) this.builds.set(keyString(key), build);
        else this.builds.delete(keyString(key));
        appendFileSync(this.fd, JSON.stringify({key, record, ...(build ? {build} : {})}) + "\n");
        if (++this.unsynced >= this.fsyncEvery) this.sync();
    }

    /** Measurements of a model run for a task instance (key with trialId "*"); the latest wins. */
    appendMeasurements(key: Omit<TrialKey, "trialId">, measurements: RunMeasurements) {
        const full = {...key, trialId: "*"};
        this.measurements.set(keyString(full), measurements);
        appendFileSync(this.fd, JSON.stringify({key: full, measurements}) + "\n");
    }

    lastMeasurements(key: Omit<TrialKey, "trialId">): RunMeasurements | undefined {
        return this.measurements.get(keyString({...key, trialId: "*"}));
    }

    sync() {
        fsyncSync(this.fd);
        this.unsynced = 0;
    }

    close() {
        if (this.closed) return;
        this.closed = true;
        this.sync();
        closeSync(this.fd);
    }
    private closed = false;
}
