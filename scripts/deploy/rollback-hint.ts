import { $ } from "zx";

/**
 * The command that puts the previous state back: Pulumi has no "undo", so rolling back means
 * deploying the previous commit again — a revert keeps that in history and in the deploy workflow.
 */
export async function rollbackHint(deployCommand: string): Promise<string> {
  const quiet = $({ quiet: true, nothrow: true });
  const head = await quiet`git rev-parse --short HEAD`;
  if (head.exitCode !== 0)
    return `Roll back: check out the previous version of this repository, then ${deployCommand}`;
  const dirty = await quiet`git status --porcelain --untracked-files=no`;
  if (dirty.stdout.trim() !== "") {
    return `Roll back: uncommitted changes were deployed; set them aside and deploy ${head.stdout.trim()} again:\n  git stash && ${deployCommand}`;
  }
  return `Roll back to the commit before ${head.stdout.trim()}:\n  git revert --no-edit ${head.stdout.trim()} && ${deployCommand}`;
}
