// Chart.js, tree-shaken to what the site draws. Animations are off: charts should be readable
// (and testable) the moment they appear.
import {CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, ScatterController, Tooltip} from "chart.js";

Chart.register(ScatterController, LineController, PointElement, LineElement, LinearScale, LogarithmicScale, CategoryScale, Tooltip, Legend);
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;

/** Chart data is rendered by the page into a data attribute (escaped by Astro, parsed here). */
export function chartData<T>(canvas: HTMLElement): T {
    return JSON.parse(canvas.dataset.chart ?? "null") as T;
}

export {Chart};
