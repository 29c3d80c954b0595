// Sorting and filtering for the server-rendered leaderboard table. All state lives in the URL
// query string, so a filtered view can be linked to and restores on load.

const table = document.querySelector<HTMLTableElement>("#leaderboard");
const form = document.querySelector<HTMLFormElement>("#filters");

interface State {
    task: string; family: string; quant: string; provider: string; minMiB: string; maxMiB: string;
    sort: string; dir: "asc" | "desc";
}
const FILTERS = ["task", "family", "quant", "provider", "minMiB", "maxMiB"] as const;

function readUrl(): State {
    const q = new URLSearchParams(location.search);
    const get = (name: string) => q.get(name) ?? "";
    return {
        task: get("task"), family: get("family"), quant: get("quant"), provider: get("provider"),
        minMiB: get("minMiB"), maxMiB: get("maxMiB"), sort: get("sort"), dir: get("dir") === "asc" ? "asc" : "desc"
    };
}

function writeUrl(state: State): void {
    const q = new URLSearchParams();
    for (const [key, value] of Object.entries(state)) {
        if (value && !(key === "dir" && !state.sort)) q.set(key, value);
    }
    const search = q.toString();
    history.replaceState(null, "", search ? `?${search}` : location.pathname);
}

if (table && form) {
    const body = table.tBodies[0]!;
    const headers = [...table.tHead!.rows[0]!.cells];
    const original = [...body.rows];
    let state = readUrl();

    // A value in the URL that no option offers (stale link) is dropped instead of hiding every row.
    const control = (name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
    for (const name of FILTERS) {
        const el = control(name);
        el.value = state[name];
        if (el.value !== state[name]) state[name] = "";
    }

    const cellValue = (row: HTMLTableRowElement, col: number) => row.cells[col]?.dataset.v ?? "";

    function visible(row: HTMLTableRowElement): boolean {
        const d = row.dataset;
        const mib = Number(d.bytes) / 2 ** 20;
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

    function sorted(): HTMLTableRowElement[] {
        const col = headers.findIndex((th) => th.dataset.key === state.sort);
        if (col < 0) return original;
        const numeric = headers[col]!.dataset.type === "num";
        const sign = state.dir === "asc" ? 1 : -1;
        return [...original].sort((a, b) => {
            const va = cellValue(a, col);
            const vb = cellValue(b, col);
            // Missing values always sort last, whatever the direction.
            if (!va || !vb) return !va && !vb ? 0 : !va ? 1 : -1;
            return sign * (numeric ? Number(va) - Number(vb) : va.localeCompare(vb));
        });
    }

    function render(): void {
        let shown = 0;
        for (const row of sorted()) {
            row.hidden = !visible(row);
            if (!row.hidden) shown++;
            body.append(row);
        }
        // With a task chosen, the other tasks' columns are noise.
        for (const cell of table!.querySelectorAll<HTMLElement>("[data-task]")) {
            cell.hidden = Boolean(state.task) && cell.dataset.task !== state.task;
        }
        for (const th of headers) {
            if (th.dataset.key === state.sort) th.setAttribute("aria-sort", state.dir === "asc" ? "ascending" : "descending");
            else th.removeAttribute("aria-sort");
        }
        form!.querySelector("#row-count")!.textContent = `${shown} of ${original.length} models shown`;
        writeUrl(state);
    }

    for (const th of headers) {
        th.querySelector("button")?.addEventListener("click", () => {
            const key = th.dataset.key ?? "";
            // First click on a score sorts best first; text columns start A-Z.
            const first = th.dataset.type === "num" && th.dataset.higher !== "false" ? "desc" : "asc";
            state = {...state, sort: key, dir: state.sort === key ? (state.dir === "asc" ? "desc" : "asc") : first};
            render();
        });
    }
    form.addEventListener("input", () => {
        for (const name of FILTERS) state[name] = control(name).value;
        render();
    });
    form.addEventListener("reset", () => setTimeout(() => form.dispatchEvent(new Event("input"))));
    form.addEventListener("submit", (event) => event.preventDefault());
    form.hidden = false;
    render();
}
