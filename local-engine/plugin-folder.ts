import { readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse } from "yaml";

/**
 * Where Pulumi starts a project's program and plugins, the dynamic-provider host among them: the
 * folder of `main` when Pulumi.yaml names a file, `main` itself when it names a folder, else the
 * project folder (`getPwdMain` in pulumi/pulumi pkg/engine/project.go, whose working directory the
 * plugin host hands to each plugin it starts). For this project, whose main is infra/index.ts,
 * that is infra/.
 */
export function pluginFolder(projectRoot: string): string {
  const project = (parse(readFileSync(join(projectRoot, "Pulumi.yaml"), "utf8")) ?? {}) as { main?: unknown };
  if (typeof project.main !== "string" || project.main === "") return projectRoot;
  const main = resolve(projectRoot, project.main);
  return statSync(main).isDirectory() ? main : dirname(main);
}
