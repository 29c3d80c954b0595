import type {ResultDocument} from "../results/schema.js";
import type {Task, TaskContext} from "../tasks/types.js";

/**
 * The one pairing rule for every task: a document's reference is the document of the same task
 * instance (id and config hash) whose model is the candidate's ladder reference. A ladder's
 * reference compares with nothing.
 */
export function isReferenceOf(reference: ResultDocument, candidate: ResultDocument): boolean {
    return !candidate.model.ladder.isReference && reference.task.id === candidate.task.id &&
        reference.task.configHash === candidate.task.configHash && reference.model.sha256 === candidate.model.ladder.referenceSha256;
}

export function findReference(candidate: ResultDocument, documents: Iterable<ResultDocument>): ResultDocument | undefined {
    for (const document of documents) if (isReferenceOf(document, candidate)) return document;
    return undefined;
}

/**
 * The candidate with its comparison against the reference (`scores.vsReference`), computed by the
 * task's pure compare(); a comparison that fails leaves a warning saying why, never fails the run.
 */
export async function withComparison(task: Task, reference: ResultDocument, candidate: ResultDocument, context: TaskContext): Promise<ResultDocument> {
    if (!task.compare) return candidate;
    try {
        const inputs = task.compareInputs ? await task.compareInputs(reference, candidate, context) : undefined;
        return {...candidate, scores: {...candidate.scores, vsReference: task.compare(reference, candidate, inputs)}};
    } catch (error) {
        return {...candidate, warnings: [...candidate.warnings, `no comparison with the reference ${reference.model.fileName}: ${(error as Error).message}`]};
    }
}

/** Every document of the set, each compared with its reference when the set holds it (what merge and the site's fixtures use). */
export async function withComparisons(documents: ResultDocument[], tasks: ReadonlyMap<string, Task>, context: TaskContext): Promise<ResultDocument[]> {
    const out: ResultDocument[] = [];
    for (const candidate of documents) {
        const reference = findReference(candidate, documents);
        const task = tasks.get(candidate.task.type);
        out.push(reference && task ? await withComparison(task, reference, candidate, context) : candidate);
    }
    return out;
}
