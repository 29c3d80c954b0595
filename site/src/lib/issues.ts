// Zod issues as build errors: the failing field's path (prefix.a.0.b) and the message, at most five.

export function describeIssues(issues: {path: PropertyKey[]; message: string}[], prefix = ""): string {
    return issues.slice(0, 5)
        .map((issue) => `  at ${[prefix, ...issue.path.map(String)].filter(Boolean).join(".") || "(root)"}: ${issue.message}`)
        .join("\n");
}
