import type { ModuleDeclaration, Pattern, Program, Statement } from "acorn";

/** What one ES module exports by name, and the modules whose every export it passes on. */
export interface ModuleExports {
  names: string[];
  /** The specifiers of its `export * from "…"` statements. */
  reexportsAllFrom: string[];
}

/** The names a destructuring pattern binds. */
function boundNames(pattern: Pattern): string[] {
  switch (pattern.type) {
    case "Identifier":
      return [pattern.name];
    case "ObjectPattern":
      return pattern.properties.flatMap((p) => boundNames(p.type === "RestElement" ? p.argument : p.value));
    case "ArrayPattern":
      return pattern.elements.flatMap((e) => (e ? boundNames(e) : []));
    case "RestElement":
      return boundNames(pattern.argument);
    case "AssignmentPattern":
      return boundNames(pattern.left);
    default:
      return [];
  }
}

function statementExports(statement: Statement | ModuleDeclaration, exports: ModuleExports): void {
  if (statement.type === "ExportDefaultDeclaration") exports.names.push("default");
  if (statement.type === "ExportAllDeclaration") {
    if (statement.exported) {
      exports.names.push(
        statement.exported.type === "Identifier" ? statement.exported.name : String(statement.exported.value),
      );
    } else {
      exports.reexportsAllFrom.push(String(statement.source.value));
    }
  }
  if (statement.type !== "ExportNamedDeclaration") return;
  const declaration = statement.declaration;
  if (declaration?.type === "FunctionDeclaration" || declaration?.type === "ClassDeclaration") {
    exports.names.push(declaration.id.name);
  }
  if (declaration?.type === "VariableDeclaration") {
    exports.names.push(...declaration.declarations.flatMap((d) => boundNames(d.id)));
  }
  for (const s of statement.specifiers) {
    exports.names.push(s.exported.type === "Identifier" ? s.exported.name : String(s.exported.value));
  }
}

/** The exports of a parsed ES module, as its `export` statements declare them. */
export function moduleExports(program: Program): ModuleExports {
  const exports: ModuleExports = { names: [], reexportsAllFrom: [] };
  for (const statement of program.body) statementExports(statement, exports);
  return exports;
}

/** Where `specifier`, written in the uploaded module `from`, points among the uploaded module names. */
const resolveUploaded = (from: string, specifier: string) =>
  specifier.startsWith(".") ? new URL(specifier, `file:///${from}`).pathname.slice(1) : specifier;

/**
 * Every name the entry module exports, following `export * from` into the other uploaded modules
 * (except `default`, which `export *` never passes on). A specifier that names no uploaded module
 * (a runtime module such as `cloudflare:workers`) adds nothing.
 */
export function entryExportNames(entry: string, exportsOf: (module: string) => ModuleExports | undefined) {
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (module: string, isEntry: boolean) => {
    if (seen.has(module)) return;
    seen.add(module);
    const exports = exportsOf(module);
    if (!exports) return;
    for (const name of exports.names) if (isEntry || name !== "default") names.add(name);
    for (const specifier of exports.reexportsAllFrom) visit(resolveUploaded(module, specifier), false);
  };
  visit(entry, true);
  return names;
}
