import { SECRET_BINDINGS } from "#contracts/worker/bindings.ts";

/**
 * Structured log lines. Whatever goes in, no secret binding's value comes out: a last line of
 * defence behind never logging headers, bodies or upstream messages in the first place.
 */
export function logLine(env: object, fields: Record<string, unknown>): void {
  let line = JSON.stringify(fields);
  for (const name of SECRET_BINDINGS) {
    const value = (env as Record<string, unknown>)[name];
    if (typeof value === "string" && value.length >= 8) line = line.replaceAll(value, "[redacted]");
  }
  console.log(line);
}
