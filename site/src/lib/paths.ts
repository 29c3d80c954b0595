// Every internal link goes through here so the site works under any base path (SLMBENCH_SITE_BASE).

export function href(path = ""): string {
    // Set (normalized to /x/) by astro.config.mjs; links are rendered at build time, in Node.
    const base = process.env.SLMBENCH_SITE_BASE || "/";
    return base + path.replace(/^\//, "");
}

export const pages = {
    home: () => href(""),
    tradeoff: () => href("tradeoff/"),
    glossary: (term?: string) => href(`glossary/${term ? `#${term}` : ""}`),
    ladder: (slug: string) => href(`ladders/${slug}/`),
    model: (slug: string) => href(`models/${slug}/`),
    /** A task view's page of one model file (/niah/<slug>/, /sts/<slug>/ ...: the view's segment). */
    viewPage: (segment: string, slug: string) => href(`${segment}/${slug}/`),
    /** A task view's overview page (/<segment>/). */
    overview: (segment: string) => href(`${segment}/`),
    run: (slug: string) => href(`runs/${slug}/`),
    raw: (file: string) => href(`raw/${file.split("/").map(encodeURIComponent).join("/")}`)
};
