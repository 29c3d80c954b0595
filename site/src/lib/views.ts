// Links and lookups through the task view registry, for pages that render any task.
import {VIEWS, viewOf, type AnyView} from "../tasks/registry.ts";
import {pages} from "./paths.ts";
import type {DocEntry, ModelEntry} from "./types.ts";

/** The view of a document's task type, when its data was read by one. */
export function viewFor(entry: DocEntry | undefined): AnyView | undefined {
    return entry?.view ? viewOf(entry.view.type) : undefined;
}

/** Where a leaderboard score links to: the task view's page of the model, else the run document. */
export function scoreHref(model: ModelEntry, entry: DocEntry | undefined): string | undefined {
    if (!entry) return undefined;
    const page = viewFor(entry)?.modelPage;
    return page ? pages.viewPage(page.segment, model.slug) : pages.run(entry.slug);
}

/** The task view pages a model has ("NIAH heatmaps", "STS details" ...), in registry order. */
export function viewPageLinks(model: ModelEntry): {href: string; text: string}[] {
    const docs = [...model.latest.values()];
    return VIEWS.flatMap((view) => (view.modelPage && docs.some((d) => view.of(d) !== undefined)
        ? [{href: pages.viewPage(view.modelPage.segment, model.slug), text: view.modelPage.linkText}] : []));
}

/** The view page link of one document's task, if its view has model pages. */
export function viewPageLink(model: ModelEntry, entry: DocEntry): {href: string; text: string} | undefined {
    const page = viewFor(entry)?.modelPage;
    return page ? {href: pages.viewPage(page.segment, model.slug), text: page.linkText} : undefined;
}
