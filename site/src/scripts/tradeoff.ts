// Trade-off page controls: the context length (memory of models with an estimate is recomputed,
// and with it the Pareto front) and the memory budget (recolors the points and table rows that
// fit). Both live in the URL (?context=8192&budget=50, MiB). Runs after charts.ts has drawn the
// charts.
import type {ChartDataset} from "chart.js";
import type {ScatterSpec} from "../lib/charts.ts";
import {fmtBytes} from "../lib/format.ts";
import {contextLabel, memoryAt, memorySourceText, MIB, type MemoryParams} from "../lib/memory.ts";
import {paretoFront} from "../lib/pareto.ts";
import {Chart, chartData} from "./chart-setup.ts";
import "./charts.ts";

const form = document.querySelector<HTMLFormElement>("#budget-form");
const input = document.querySelector<HTMLInputElement>("#budget");
const select = document.querySelector<HTMLSelectElement>("#context");
const FIT = "#15803d";
const OUT = "rgba(120,120,120,0.45)";
type Point = ScatterSpec["series"][number]["points"][number];

/** The page's default context (the longest every model was trained for); the choices are the select's options. */
const DEFAULT_CONTEXT = Number(select?.dataset.default);

function context(): number {
    const value = Number(select?.value);
    return [...(select?.options ?? [])].some((o) => Number(o.value) === value) ? value : DEFAULT_CONTEXT;
}

/** Moves every model to its memory at `tokens`, and redraws the Pareto front and the dashed levels to match. */
function applyContext(tokens: number): void {
    for (const canvas of document.querySelectorAll<HTMLCanvasElement>("canvas[data-scatter]")) {
        const spec = chartData<ScatterSpec>(canvas);
        const chart = Chart.getChart(canvas);
        if (!spec.memory || !chart) continue;
        const [models, front, ...levels] = chart.data.datasets as ChartDataset<"scatter", Point[]>[];
        if (!models || !front) continue;
        // New objects, so Chart.js parses the moved points afresh.
        models.data = models.data.map((p) => (p.mem ? {...p, x: memoryAt(p.mem, tokens) / MIB} : p));
        front.data = paretoFront(models.data, (p) => p.x, (p) => p.y, spec.memory.higherIsBetter).map((p) => ({...p}));
        const xs = models.data.map((p) => p.x);
        for (const level of levels) {
            if (level.data.length > 1) level.data = [{...level.data[0]!, x: Math.min(...xs)}, {...level.data.at(-1)!, x: Math.max(...xs)}];
        }
        // What is plotted, readable without Chart.js internals (tests, debugging).
        canvas.dataset.plotted = JSON.stringify({context: tokens, points: models.data.map((p) => ({name: p.name, x: p.x})), front: front.data.map((p) => p.name)});
        const title = chart.options.scales?.x?.title;
        if (title) title.text = `memory at ${contextLabel(tokens)} tokens of context (MiB${spec.xLog ? ", log scale" : ""})`;
        chart.update();
    }
    for (const table of document.querySelectorAll<HTMLTableElement>("table.tradeoff-table")) {
        const body = table.tBodies[0]!;
        const rows = [...body.querySelectorAll<HTMLTableRowElement>("tr[data-mem]")];
        for (const row of rows) {
            const mem = JSON.parse(row.dataset.mem!) as MemoryParams;
            const bytes = memoryAt(mem, tokens);
            row.dataset.mib = String(bytes / MIB);
            row.querySelector(".mem")!.textContent = fmtBytes(bytes);
            row.querySelector(".mem-source")!.textContent = memorySourceText(mem, tokens);
        }
        const front = new Set(paretoFront(rows, (r) => Number(r.dataset.mib), (r) => Number(r.dataset.score), table.dataset.higher !== "false"));
        for (const row of rows) row.querySelector(".front")!.textContent = front.has(row) ? "yes" : "";
        // Cheapest first; the rows without local weights (no data-mem) stay at the end.
        const rest = [...body.rows].filter((r) => !r.dataset.mem);
        for (const row of [...rows.sort((a, b) => Number(a.dataset.mib) - Number(b.dataset.mib)), ...rest]) body.append(row);
        const label = table.querySelector(".context-label");
        if (label) label.textContent = contextLabel(tokens);
    }
}

function applyBudget(): void {
    const raw = input!.value.trim();
    const budget = raw === "" ? Infinity : Number(raw);
    // Rows repeat per task: count models, not rows.
    const fits = new Set<string>();
    const total = new Set<string>();
    for (const canvas of document.querySelectorAll<HTMLCanvasElement>("canvas[data-scatter]")) {
        const chart = Chart.getChart(canvas);
        const models = chart?.data.datasets[0] as ChartDataset<"scatter", {x: number}[]> | undefined;
        if (!chart || !models) continue;
        // Without a budget the points keep their ladder's colour.
        const spec = chartData<ScatterSpec>(canvas);
        const own = spec.series[0]?.pointColors;
        const colors = models.data.map((p, i) => (budget === Infinity ? own?.[i] ?? "#1f5fa8" : p.x <= budget ? FIT : OUT));
        models.pointBackgroundColor = colors;
        models.pointBorderColor = colors;
        chart.update();
    }
    for (const row of document.querySelectorAll<HTMLTableRowElement>("tr[data-mib]")) {
        const fit = budget !== Infinity && Number(row.dataset.mib) <= budget;
        row.classList.toggle("fits", fit);
        total.add(row.dataset.model ?? "");
        if (fit) fits.add(row.dataset.model ?? "");
    }
    document.querySelector("#budget-summary")!.textContent = budget === Infinity ? ""
        : `${fits.size} of ${total.size} models fit in ${budget} MiB at ${contextLabel(context())} tokens of context`;
    const q = new URLSearchParams(location.search);
    if (raw) q.set("budget", raw);
    else q.delete("budget");
    if (context() !== DEFAULT_CONTEXT) q.set("context", String(context()));
    else q.delete("context");
    history.replaceState(null, "", q.size ? `?${q}` : location.pathname);
}

if (form && input && select) {
    const q = new URLSearchParams(location.search);
    input.value = q.get("budget") ?? "";
    // A context the control does not offer (stale link) falls back to the default.
    select.value = String(q.get("context") ?? DEFAULT_CONTEXT);
    if (select.selectedIndex < 0) select.value = String(DEFAULT_CONTEXT);
    let shown: number | null = null;
    const apply = () => {
        if (context() !== shown) applyContext((shown = context()));
        applyBudget();
    };
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", (event) => event.preventDefault());
    form.hidden = false;
    apply();
}
