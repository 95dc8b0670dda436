import { describe, expect, it } from "vitest";
import { CfHttpError } from "../../core/errors.ts";
import { moduleHandlers, parseJavaScript, serviceWorkerHandlers } from "./module-analysis.ts";

const handlersOf = (source: string) => moduleHandlers(parseJavaScript(source, "worker.js", "module"));

describe("entry point handlers", () => {
  it("reads an object literal default export, inline or through a binding", () => {
    expect(
      handlersOf("export default { fetch() {}, scheduled: async () => {}, name: 'x' };").handlers,
    ).toEqual(["fetch", "scheduled"]);
    expect(handlersOf("const w = { async queue(batch) {} }; export default w;").handlers).toEqual(["queue"]);
  });

  it("reads a class default export and exported classes, renamed exports included", () => {
    const analysis = handlersOf(`
      class Counter { fetch() {} alarm() {} static create() {} helper() {} }
      export class Room { webSocketMessage() {} }
      export { Counter as Tally };
      export default class extends Object { fetch() {} email() {} }
    `);
    expect(analysis).toEqual({
      handlers: ["email", "fetch"],
      named_handlers: [
        { name: "Room", handlers: ["webSocketMessage"] },
        { name: "Tally", handlers: ["alarm", "fetch"] },
      ],
    });
  });

  it("takes a default export built at run time for a fetch handler, and no default export for none", () => {
    expect(handlersOf("const app = makeRouter(); export default app;").handlers).toEqual(["fetch"]);
    expect(handlersOf("export const value = 1;").handlers).toEqual([]);
  });

  it("reads a service worker's addEventListener calls", () => {
    const program = parseJavaScript(
      'addEventListener("fetch", (e) => {}); addEventListener("scheduled", () => {});',
      "worker.js",
      "script",
    );
    expect(serviceWorkerHandlers(program).handlers).toEqual(["fetch", "scheduled"]);
  });

  it("reports a syntax error as Cloudflare's 10021 with the module, line and column", () => {
    let error: unknown;
    try {
      parseJavaScript("export default {\n  fetch( {}\n};", "src/index.js", "module");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CfHttpError);
    expect((error as CfHttpError).errors).toEqual([
      {
        code: 10021,
        message: expect.stringMatching(/^Uncaught SyntaxError: .+\n {2}at src\/index\.js:3:1$/),
      },
    ]);
  });
});
