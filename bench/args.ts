import { parseArgs } from "node:util";

/** A numeric flag: its default and bounds; whole numbers unless `fractional`. */
export interface NumberFlag {
  default: number;
  min: number;
  max: number;
  fractional?: boolean;
}

/**
 * A benchmark's numeric flags, parsed and bounded: `--help` prints the usage and exits 0, a value
 * out of bounds prints what is allowed and exits 2. Benchmarks are run by hand, so a bad flag ends
 * the run instead of measuring something else.
 */
export function numberFlags<K extends string>(
  usage: string,
  flags: Record<K, NumberFlag>,
): Record<K, number> {
  const names = Object.keys(flags) as K[];
  const { values } = parseArgs({
    options: {
      ...Object.fromEntries(
        names.map((n) => [n, { type: "string" as const, default: String(flags[n].default) }]),
      ),
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const parsed = {} as Record<K, number>;
  const problems: string[] = [];
  for (const name of names) {
    const { min, max, fractional } = flags[name];
    const value = Number((values as Record<string, unknown>)[name]);
    if (!(value >= min && value <= max && (fractional || Number.isInteger(value)))) {
      problems.push(`--${name} must be ${fractional ? "a number" : "a whole number"} in ${min}..${max}`);
    }
    parsed[name] = value;
  }
  if (problems.length > 0) {
    console.error(`${problems.join("\n")}\n${usage}`);
    process.exit(2);
  }
  return parsed;
}
