import * as z from "zod";

/**
 * One recorded run of a benchmark: the figures exactly as the bench printed them, with when and
 * where they were measured, so that bench/README.md can say both and nobody types a figure by hand.
 */
export const benchResultSchema = z.strictObject({
  /** The npm script's name without `bench:` (`worker-bundle` for `npm run bench:worker-bundle`). */
  bench: z.string().regex(/^[a-z0-9-]+$/),
  /** The command that was run, with its flags. */
  command: z.string(),
  recordedAt: z.iso.datetime(),
  durationSeconds: z.number().nonnegative(),
  machine: z.strictObject({
    cpus: z.int().positive(),
    cpuModel: z.string(),
    memoryGiB: z.number().positive(),
    os: z.string(),
    node: z.string(),
    /** The 1-minute load average when the run started: other work on the machine slows every figure. */
    loadAverage: z.number().nonnegative(),
    /**
     * The highest 1-minute load average seen during the run, sampled every 15 s: a long run that
     * started on a quiet machine may not have stayed on one. Absent from results recorded before.
     */
    peakLoadAverage: z.optional(z.number().nonnegative()),
  }),
  /** The bench's standard output, without terminal colours. */
  output: z.string(),
});
export type BenchResult = z.infer<typeof benchResultSchema>;
