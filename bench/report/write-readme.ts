import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_ROOT } from "./benches.ts";
import { renderBenchReadme } from "./render.ts";

/** `npm run bench:readme`: writes bench/README.md from the recorded results in bench/results/. */
writeFileSync(join(BENCH_ROOT, "bench", "README.md"), renderBenchReadme());
console.log("wrote bench/README.md");
