/** Thrown by a task runner when a trial cannot be run meaningfully; recorded as skipped, not as an error. */
export class SkipTrial extends Error {
    constructor(readonly reason: string) {
        super(reason);
        this.name = "SkipTrial";
    }
}
