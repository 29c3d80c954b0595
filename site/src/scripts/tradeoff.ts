// Memory budget control for the trade-off page: recolors the points and table rows that fit.
// Runs after scatter.ts has drawn the charts (module scripts execute in order).
import type {ChartDataset} from "chart.js";
import {Chart} from "./chart-setup.ts";

const form = document.querySelector<HTMLFormElement>("#budget-form");
const input = document.querySelector<HTMLInputElement>("#budget");
const FIT = "#15803d";
const OUT = "rgba(120,120,120,0.45)";

function apply(): void {
    const raw = input!.value.trim();
    const budget = raw === "" ? Infinity : Number(raw);
    // Rows repeat per task: count models, not rows.
    const fits = new Set<string>();
    const total = new Set<string>();
    for (const canvas of document.querySelectorAll<HTMLCanvasElement>("canvas[data-scatter]")) {
        const chart = Chart.getChart(canvas);
        const models = chart?.data.datasets[0] as ChartDataset<"scatter", {x: number}[]> | undefined;
        if (!chart || !models) continue;
        const colors = models.data.map((p) => (budget === Infinity ? "#1f5fa8" : p.x <= budget ? FIT : OUT));
        models.pointBackgroundColor = colors;
        models.pointBorderColor = colors;
        chart.update();
    }
    for (const row of document.querySelectorAll<HTMLTableRowElement>("tr[data-mb]")) {
        const fit = budget !== Infinity && Number(row.dataset.mb) <= budget;
        row.classList.toggle("fits", fit);
        total.add(row.dataset.model ?? "");
        if (fit) fits.add(row.dataset.model ?? "");
    }
    document.querySelector("#budget-summary")!.textContent = budget === Infinity ? "" : `${fits.size} of ${total.size} models fit in ${budget} MB`;
    const q = new URLSearchParams(location.search);
    if (raw) q.set("budget", raw);
    else q.delete("budget");
    history.replaceState(null, "", q.size ? `?${q}` : location.pathname);
}

if (form && input) {
    input.value = new URLSearchParams(location.search).get("budget") ?? "";
    form.addEventListener("input", apply);
    form.addEventListener("submit", (event) => event.preventDefault());
    form.hidden = false;
    apply();
}
