import { readFileSync } from "node:fs";
import type { Plan } from "#emulator/core/config.ts";
import { INVOCATION_LIMITS } from "./limits.ts";

/** What the runner needs of the declared Worker to put the guard around it. */
export interface GuardedWorker {
  mainModule: string;
  content: string;
  compatibilityFlags: string[];
  /** Durable Object bindings: the env names whose stubs count, and the classes whose calls are invocations. */
  durableObjects: Record<string, string>;
}

const ENTRY = "__invocation_limits_entry.js";
const GUARD = "__invocation_limits_guard.js";
/** The name guard.js imports its limits from. */
const CONFIG = "__invocation_limits_config.js";
const GUARD_SOURCE = readFileSync(new URL("./guard.js", import.meta.url), "utf8");
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * The modules workerd runs: an entry that imports the guard first (so that fetch() counts before the
 * program's code runs), then re-exports the program with its default handlers and bound Durable Object
 * classes counted (guard.js), the guard's limits for `plan`, and the program's own module unchanged.
 */
export function guardedModules(worker: GuardedWorker, plan: Plan) {
  const classes = [...new Set(Object.values(worker.durableObjects))];
  const bad = classes.find((name) => !IDENTIFIER.test(name));
  if (bad !== undefined) throw new Error(`the local Worker cannot bind Durable Object class "${bad}"`);
  const program = JSON.stringify(`./${worker.mainModule}`);
  const entry = [
    `import { countedClass, countedHandlers } from "./${GUARD}";`,
    `import * as program from ${program};`,
    `export * from ${program};`,
    "export default countedHandlers(program.default);",
    ...classes.map((name) => `export const ${name} = countedClass(program.${name});`),
  ].join("\n");
  const config = { ...INVOCATION_LIMITS[plan], durableObjectBindings: Object.keys(worker.durableObjects) };
  return [
    { type: "ESModule" as const, path: ENTRY, contents: entry },
    { type: "ESModule" as const, path: GUARD, contents: GUARD_SOURCE },
    { type: "ESModule" as const, path: CONFIG, contents: `export default ${JSON.stringify(config)};` },
    { type: "ESModule" as const, path: worker.mainModule, contents: worker.content },
  ];
}

/**
 * The guard needs `node:async_hooks`. A Worker with neither `nodejs_compat` nor `nodejs_als` gets
 * `nodejs_als`, which only makes that module importable: the program sees no other difference.
 */
export function guardedCompatibilityFlags(flags: string[]): string[] {
  const hasAls = flags.some((f) => f === "nodejs_compat" || f === "nodejs_compat_v2" || f === "nodejs_als");
  return hasAls ? flags : [...flags, "nodejs_als"];
}
