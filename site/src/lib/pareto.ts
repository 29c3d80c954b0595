// Pareto front for "score vs memory": the models no other model beats on both at once.

export function paretoFront<T>(items: T[], cost: (item: T) => number, score: (item: T) => number, higherIsBetter: boolean): T[] {
    const sign = higherIsBetter ? 1 : -1;
    // Cheapest first; among equal cost the best score first, so only it can enter the front.
    const sorted = [...items].sort((a, b) => cost(a) - cost(b) || sign * (score(b) - score(a)));
    const front: T[] = [];
    let best = -Infinity;
    for (const item of sorted) {
        if (sign * score(item) > best) {
            front.push(item);
            best = sign * score(item);
        }
    }
    return front;
}
