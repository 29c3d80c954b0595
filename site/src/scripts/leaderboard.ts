// Sorting, search, filters and the column picker for the server-rendered leaderboard. All state
// lives in the URL query string (only what differs from the defaults), so a view can be linked to
// and restores on load; other scripts' parameters (the frontier's ?x=) are left alone.

const table = document.querySelector<HTMLTableElement>("#leaderboard");
const form = document.querySelector<HTMLFormElement>("#filters");

const FILTERS = ["q", "task", "family", "quant", "provider", "minMiB", "maxMiB"] as const;
type Filter = (typeof FILTERS)[number];
type State = Record<Filter, string> & {sort: string; dir: "asc" | "desc"; cols: Set<string>};

if (table && form) {
    const body = table.tBodies[0]!;
    const headers = [...table.tHead!.rows[0]!.cells];
    const original = [...body.rows];
    const boxes = [...form.querySelectorAll<HTMLInputElement>("input[name=col]")];
    const defaultCols = new Set(boxes.filter((b) => b.dataset.default === "true").map((b) => b.value));
    const defaultSort = table.dataset.defaultSort ?? "";
    const defaultDir = table.dataset.defaultDir === "asc" ? "asc" : "desc";
    const control = (name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;

    function readUrl(): State {
        const q = new URLSearchParams(location.search);
        const get = (name: string) => q.get(name) ?? "";
        const cols = q.has("cols") ? new Set(get("cols").split(",").filter((c) => boxes.some((b) => b.value === c))) : new Set(defaultCols);
        const state = {sort: get("sort"), dir: get("dir") === "asc" ? "asc" : "desc", cols} as State;
        for (const name of FILTERS) state[name] = get(name);
        return state;
    }

    function writeUrl(state: State): void {
        const q = new URLSearchParams(location.search);
        for (const name of [...FILTERS, "sort", "dir", "cols"]) q.delete(name);
        for (const name of FILTERS) if (state[name]) q.set(name, state[name]);
        if (state.sort) {
            q.set("sort", state.sort);
            q.set("dir", state.dir);
        }
        const same = state.cols.size === defaultCols.size && [...state.cols].every((c) => defaultCols.has(c));
        if (!same) q.set("cols", [...state.cols].join(","));
        history.replaceState(null, "", q.size ? `?${q}` : location.pathname);
    }

    let state = readUrl();
    // A value in the URL that no option offers (stale link) is dropped instead of hiding every row.
    for (const name of FILTERS) {
        const el = control(name);
        el.value = state[name];
        if (el.value !== state[name]) state[name] = "";
    }

    const cellOf = (row: HTMLTableRowElement, key: string) => row.querySelector<HTMLElement>(`:scope > [data-col="${CSS.escape(key)}"]`);
    const cellValue = (row: HTMLTableRowElement, key: string) => cellOf(row, key)?.dataset.v ?? "";
    const sortKey = () => state.sort || defaultSort;
    const sortDir = () => (state.sort ? state.dir : defaultDir);

    function visible(row: HTMLTableRowElement): boolean {
        const d = row.dataset;
        const mib = Number(d.bytes) / 2 ** 20;
        if (state.q && !(d.search ?? "").includes(state.q.trim().toLowerCase())) return false;
        // Models without local weights (hosted, built-in) have no size: a size filter leaves them out.
        if ((state.minMiB !== "" || state.maxMiB !== "") && !d.bytes) return false;
        if (state.task && !(JSON.parse(d.tasks ?? "[]") as string[]).includes(state.task)) return false;
        if (state.family && d.family !== state.family) return false;
        if (state.quant && d.quant !== state.quant) return false;
        if (state.provider && d.provider !== state.provider) return false;
        if (state.minMiB !== "" && mib < Number(state.minMiB)) return false;
        if (state.maxMiB !== "" && mib > Number(state.maxMiB)) return false;
        return true;
    }

    /** The task the rank column ranks by: the sorted task when it is ranked, else the default. */
    function rankTask(): string {
        const th = headers.find((h) => h.dataset.key === sortKey());
        return th?.dataset.task && th.dataset.ranked === "true" && th.dataset.key === `task:${th.dataset.task}` ? th.dataset.key : defaultSort;
    }

    function updateRanks(): void {
        const key = rankTask();
        table!.querySelector(".rank-task")!.textContent = key.replace(/^task:/, "");
        for (const row of original) {
            const rank = cellOf(row, key)?.dataset.rank ?? "";
            const cell = cellOf(row, "rank")!;
            cell.dataset.v = rank;
            cell.textContent = rank || "—";
            cell.classList.toggle("muted", !rank);
        }
    }

    function sorted(): HTMLTableRowElement[] {
        const key = sortKey();
        const th = headers.find((h) => h.dataset.key === key);
        if (!th) return original;
        const numeric = th.dataset.type === "num";
        const sign = sortDir() === "asc" ? 1 : -1;
        return [...original].sort((a, b) => {
            const va = cellValue(a, key);
            const vb = cellValue(b, key);
            // Missing values always sort last, whatever the direction.
            if (!va || !vb) return !va && !vb ? 0 : !va ? 1 : -1;
            return sign * (numeric ? Number(va) - Number(vb) : va.localeCompare(vb));
        });
    }

    function render(): void {
        updateRanks();
        let shown = 0;
        for (const row of sorted()) {
            row.hidden = !visible(row);
            if (!row.hidden) shown++;
            body.append(row);
        }
        for (const cell of table!.querySelectorAll<HTMLElement>("[data-col]")) {
            const key = cell.dataset.col!;
            const picked = key === "model" || state.cols.has(key);
            // With a task chosen, the other tasks' columns are noise.
            const otherTask = Boolean(state.task) && cell.dataset.task !== undefined && cell.dataset.task !== state.task;
            cell.classList.toggle("col-off", !picked || otherTask);
        }
        for (const th of headers) {
            if (th.dataset.key === sortKey()) th.setAttribute("aria-sort", sortDir() === "asc" ? "ascending" : "descending");
            else th.removeAttribute("aria-sort");
        }
        for (const box of boxes) box.checked = state.cols.has(box.value);
        form!.querySelector("#row-count")!.textContent = `${shown} of ${original.length} models shown`;
        writeUrl(state);
    }

    for (const th of headers) {
        th.querySelector("button")?.addEventListener("click", () => {
            const key = th.dataset.key ?? "";
            // First click on a score sorts best first; text columns start A-Z.
            const first = th.dataset.type === "num" && th.dataset.higher !== "false" ? "desc" : "asc";
            state = {...state, sort: key, dir: sortKey() === key ? (sortDir() === "asc" ? "desc" : "asc") : first};
            render();
        });
    }
    form.addEventListener("input", () => {
        for (const name of FILTERS) state[name] = control(name).value;
        state.cols = new Set(boxes.filter((b) => b.checked).map((b) => b.value));
        render();
    });
    form.addEventListener("reset", () => setTimeout(() => {
        for (const box of boxes) box.checked = defaultCols.has(box.value);
        form.dispatchEvent(new Event("input"));
    }));
    form.addEventListener("submit", (event) => event.preventDefault());
    form.hidden = false;
    render();
}
