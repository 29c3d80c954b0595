// Every task view of the site, in one list. A task type not listed here gets the generic views
// (main score on the leaderboard, ladder and trade-off pages; the run page). To add a view: a
// folder site/src/tasks/<type>/ with view.ts (and Page.astro / Ladder.astro / Overview.astro / Suite.astro as
// it declares), and one line below. See docs/contributing.md, "Add a site view".
import {fidelityView} from "./fidelity/view.ts";
import {niahView} from "./niah/view.ts";
import {rulerView} from "./ruler/view.ts";
import {stsView} from "./sts/view.ts";
import type {RegisteredView} from "./types.ts";

export type AnyView = RegisteredView<any>;

export const VIEWS: readonly AnyView[] = [niahView, stsView, fidelityView, rulerView];

/** URL segments the site's own pages use: a view's page may not take one. */
const RESERVED = new Set(["ladders", "models", "runs", "raw", "tradeoff", "glossary", "_astro", "404"]);

const byType = new Map<string, AnyView>();
const segments = new Set<string>();
for (const view of VIEWS) {
    if (byType.has(view.type)) throw new Error(`site views: two views for task type "${view.type}"`);
    byType.set(view.type, view);
    for (const segment of [view.modelPage?.segment, view.overview?.segment]) {
        if (!segment) continue;
        if (RESERVED.has(segment) || segments.has(segment)) throw new Error(`site views: "${view.type}" wants the URL segment "${segment}", which is taken`);
        segments.add(segment);
    }
}

/** The view registered for a task type, if any. */
export function viewOf(type: string): AnyView | undefined {
    return byType.get(type);
}
