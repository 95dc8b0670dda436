import {
  type ClassBody,
  type ExportDefaultDeclaration,
  type Expression,
  type Program,
  type Property,
  parse,
  type SpreadElement,
} from "acorn";
import { workersErrors } from "./errors.ts";

/** The event handlers Cloudflare lists in `handlers` when an entry point defines them. */
const HANDLERS = new Set([
  "fetch",
  "scheduled",
  "queue",
  "tail",
  "trace",
  "email",
  "alarm",
  "test",
  "webSocketMessage",
  "webSocketClose",
  "webSocketError",
]);

export interface EntryHandlers {
  handlers: string[];
  /** Exported classes (Durable Objects, entrypoints) with the handlers each defines. */
  named_handlers: { name: string; handlers: string[] }[];
}

/**
 * Parses JavaScript as Cloudflare's upload validation would, so that a syntax error fails the
 * upload instead of the first request. Cloudflare reports it as 10021 with V8's wording.
 */
export function parseJavaScript(
  source: string,
  moduleName: string,
  sourceType: "module" | "script",
): Program {
  try {
    return parse(source, { ecmaVersion: "latest", sourceType, allowHashBang: true });
  } catch (e) {
    const loc = (e as { loc?: { line: number; column: number } }).loc;
    const message = (e as Error).message.replace(/ \(\d+:\d+\)$/, "");
    const at = loc ? `${moduleName}:${loc.line}:${loc.column + 1}` : moduleName;
    throw workersErrors.invalid(`Uncaught SyntaxError: ${message}\n  at ${at}`);
  }
}

const keyName = (key: Expression | { type: "PrivateIdentifier" }, computed: boolean): string | undefined => {
  if (computed) return undefined;
  if (key.type === "Identifier") return key.name;
  if (key.type === "Literal" && typeof key.value === "string") return key.value;
  return undefined;
};

const classHandlers = (body: ClassBody) =>
  body.body.flatMap((m) =>
    m.type === "MethodDefinition" && m.kind === "method" && !m.static ? [keyName(m.key, m.computed)] : [],
  );

const objectHandlers = (properties: (Property | SpreadElement)[]) =>
  properties.flatMap((p) =>
    p.type === "Property" &&
    (p.method || p.value.type === "FunctionExpression" || p.value.type === "ArrowFunctionExpression")
      ? [keyName(p.key, p.computed)]
      : [],
  );

const onlyHandlers = (names: (string | undefined)[]) =>
  [...new Set(names.filter((n): n is string => n !== undefined && HANDLERS.has(n)))].sort();

/** Top-level classes and object literals by name, to see through `export default worker`. */
function topLevelValues(program: Program): Map<string, Expression | { type: "ClassBody"; body: ClassBody }> {
  const values = new Map<string, Expression | { type: "ClassBody"; body: ClassBody }>();
  for (const statement of program.body) {
    const declaration =
      statement.type === "ExportNamedDeclaration" && statement.declaration
        ? statement.declaration
        : statement;
    if (declaration.type === "ClassDeclaration" && declaration.id) {
      values.set(declaration.id.name, { type: "ClassBody", body: declaration.body });
    }
    if (declaration.type === "VariableDeclaration") {
      for (const d of declaration.declarations) {
        if (d.id.type === "Identifier" && d.init) values.set(d.id.name, d.init);
      }
    }
  }
  return values;
}

function defaultExportHandlers(
  declaration: ExportDefaultDeclaration["declaration"],
  values: ReturnType<typeof topLevelValues>,
): (string | undefined)[] {
  const resolved = declaration.type === "Identifier" ? values.get(declaration.name) : declaration;
  if (resolved?.type === "ObjectExpression") return objectHandlers(resolved.properties);
  if (resolved?.type === "ClassBody") return classHandlers(resolved.body);
  if (resolved?.type === "ClassDeclaration" || resolved?.type === "ClassExpression") {
    return classHandlers(resolved.body);
  }
  // A default export built at run time (e.g. a router instance) cannot be seen statically;
  // such exports serve requests, so it is taken to be a fetch handler.
  return ["fetch"];
}

/** The handlers an ES module's exports define, as Cloudflare lists them after an upload. */
export function moduleHandlers(program: Program): EntryHandlers {
  const values = topLevelValues(program);
  let handlers: (string | undefined)[] = [];
  const named: EntryHandlers["named_handlers"] = [];
  const addClass = (name: string, local: string) => {
    const value = values.get(local);
    if (value?.type === "ClassBody") named.push({ name, handlers: onlyHandlers(classHandlers(value.body)) });
  };
  for (const statement of program.body) {
    if (statement.type === "ExportDefaultDeclaration") {
      handlers = defaultExportHandlers(statement.declaration, values);
    } else if (statement.type === "ExportNamedDeclaration" && !statement.source) {
      if (statement.declaration?.type === "ClassDeclaration") {
        addClass(statement.declaration.id.name, statement.declaration.id.name);
      }
      for (const s of statement.specifiers) {
        if (s.local.type === "Identifier" && s.exported.type === "Identifier") {
          addClass(s.exported.name, s.local.name);
        }
      }
    }
  }
  return {
    handlers: onlyHandlers(handlers),
    named_handlers: named.sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** A service-worker script's handlers: its top-level `addEventListener("fetch", …)` calls. */
export function serviceWorkerHandlers(program: Program): EntryHandlers {
  const events = program.body.flatMap((s) => {
    if (s.type !== "ExpressionStatement" || s.expression.type !== "CallExpression") return [];
    const { callee, arguments: args } = s.expression;
    const first = args[0];
    return callee.type === "Identifier" &&
      callee.name === "addEventListener" &&
      first?.type === "Literal" &&
      typeof first.value === "string"
      ? [first.value]
      : [];
  });
  return { handlers: onlyHandlers(events), named_handlers: [] };
}
