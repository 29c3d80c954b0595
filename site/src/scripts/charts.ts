// Draws every chart on the page: each drawer finds its own canvases (data-scatter,
// data-intervals, data-heatmap). Chart.astro includes this once per page, so a task view that
// uses <Chart> needs no script of its own. Import it before code that reads the charts.
import "./scatter.ts";
import "./intervals.ts";
import "./heatmap.ts";
import "./frontier.ts";
