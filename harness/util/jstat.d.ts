// jstat ships no types: the two distributions harness/util/stats.ts uses.
declare module "jstat" {
    const jstat: {
        jStat: {
            normal: {cdf(x: number, mean: number, sd: number): number};
            studentt: {inv(p: number, dof: number): number};
        };
    };
    export default jstat;
}
