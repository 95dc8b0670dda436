/**
 * What the Worker's build compiles into its script: a module of the Worker holds a placeholder
 * string, and the build puts a literal in its place (the tenant map, before upload). The Worker's
 * own tests do the same to the modules they load, with these same functions, so that what the
 * tests run is what deploys.
 */

/** The placeholder as a string literal, in whichever quotes the bundler chose. */
const placeholderLiteral = (placeholder: string) => new RegExp(`(["'\`])${placeholder}\\1`, "g");

/**
 * `source` with `literal` (JavaScript source text) in place of the placeholder's string literal,
 * which must occur exactly once: twice would mean a second copy of the module in the bundle, and
 * none a build that would deploy a Worker without the value.
 */
export function embedAtPlaceholder(
  source: string,
  placeholder: string,
  literal: string,
  where: string,
): string {
  const found = source.match(placeholderLiteral(placeholder)) ?? [];
  if (found.length !== 1) {
    throw new Error(
      `${where} must hold the placeholder ${placeholder} exactly once, as a string literal; it holds it ${found.length} times`,
    );
  }
  // A replacer function, so that `$` in the literal is never read as a replacement pattern.
  return source.replace(placeholderLiteral(placeholder), () => literal);
}

/**
 * Matches the path of `worker/src/<file>` by either path separator, as esbuild's `onLoad` filter
 * and a Vite plugin's `transform` (after the id's query is cut off) see it.
 */
export const workerModulePath = (file: string) =>
  new RegExp(`[\\\\/]worker[\\\\/]src[\\\\/]${file.replaceAll(".", "\\.")}$`);
