import cliProgress from "cli-progress";

/**
 * One progress bar per (model, task) with ETA on a terminal; plain log lines elsewhere
 * (CI logs, pipes), so output stays readable either way.
 */
export class Progress {
    private readonly bars = process.stderr.isTTY
        ? new cliProgress.MultiBar({
            format: " {bar} {percentage}% | {value}/{total} | ETA {eta_formatted} | {label}",
            hideCursor: true,
            clearOnComplete: false,
            stream: process.stderr
        }, cliProgress.Presets.shades_classic)
        : undefined;
    constructor(private readonly quiet = false) {}

    start(label: string, total: number) {
        const bar = this.bars?.create(total, 0, {label});
        if (!bar && !this.quiet) process.stderr.write(`  ${label}: ${total} trials\n`);
        return {
            increment: () => bar?.increment(),
            stop: (note?: string) => {
                bar?.update({label: note ? `${label} (${note})` : label});
                bar?.stop();
                if (!bar && !this.quiet && note) process.stderr.write(`  ${label}: ${note}\n`);
            }
        };
    }

    log(line: string) {
        if (this.quiet) return;
        if (this.bars) this.bars.log(line + "\n");
        else process.stderr.write(line + "\n");
    }

    stop() {
        this.bars?.stop();
    }
}
