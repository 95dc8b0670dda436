import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { $ } from "zx";
import { missingTools, type SystemTool } from "#local-engine/system-tools.ts";

/**
 * Runs before `npm test` and `npm start` (npm's pre-scripts): the programs from the operating system
 * that they need, installed on Debian or Ubuntu when this user may (root, or sudo without a
 * password), otherwise named with the exact command that installs them. The tests need every one
 * and stop here without them; `npm start` runs without any, and says which feature is off.
 */
const { values } = parseArgs({ options: { for: { type: "string", default: "test" } } });
const purpose = values.for === "start" ? "start" : "test";

type System = "debian" | "ubuntu" | "macos" | "other";

function detectSystem(): System {
  if (process.platform === "darwin") return "macos";
  try {
    const release = readFileSync("/etc/os-release", "utf8");
    const field = (name: string) => release.match(new RegExp(`^${name}=["']?([^"'\\n]*)`, "m"))?.[1] ?? "";
    const ids = `${field("ID")} ${field("ID_LIKE")}`.split(/\s+/);
    if (ids.includes("ubuntu")) return "ubuntu";
    if (ids.includes("debian")) return "debian";
  } catch {}
  return "other";
}

const packageOf = (tool: SystemTool, system: System) =>
  system === "ubuntu" ? (tool.ubuntu ?? tool.debian) : tool.debian;

function installCommand(tools: SystemTool[], system: System): string {
  if (system === "macos") {
    const formulae = tools.filter((t) => !t.brew.startsWith("--cask")).map((t) => t.brew);
    const casks = tools.filter((t) => t.brew.startsWith("--cask")).map((t) => t.brew.slice("--cask ".length));
    return [
      formulae.length ? `brew install ${formulae.join(" ")}` : "",
      casks.length ? `brew install --cask ${casks.join(" ")}` : "",
    ]
      .filter(Boolean)
      .join(" && ");
  }
  const apt = `sudo apt-get install -y ${tools.map((t) => packageOf(t, system === "other" ? "debian" : system)).join(" ")}`;
  return system === "other" ? `${apt}   (or your system's packages of the same programs)` : apt;
}

async function mayInstall(system: System): Promise<"" | "sudo" | undefined> {
  if (system !== "debian" && system !== "ubuntu") return undefined;
  if (process.getuid?.() === 0) return "";
  const sudo = await $`sudo -n true`.quiet().nothrow();
  return sudo.exitCode === 0 ? "sudo" : undefined;
}

async function aptInstall(tools: SystemTool[], system: System, sudo: "" | "sudo") {
  const packages = tools.map((t) => packageOf(t, system));
  console.log(`Installing ${system === "ubuntu" ? "Ubuntu" : "Debian"} packages for npm ${purpose}:`);
  for (const t of tools) console.log(`  ${packageOf(t, system).padEnd(16)} ${t.feature}`);
  const prefix = sudo ? ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive"] : [];
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await $({ env, stdio: ["ignore", "ignore", "inherit"] })`${prefix} apt-get update -qq`;
  await $({ env, stdio: ["ignore", "ignore", "inherit"] })`${prefix} apt-get install -y -qq ${packages}`;
}

const system = detectSystem();
let missing = missingTools(purpose);
if (missing.length > 0) {
  const sudo = await mayInstall(system);
  if (sudo !== undefined) {
    await aptInstall(missing, system, sudo).catch((e: { exitCode?: number | null }) => {
      const packages = missing.map((t) => packageOf(t, system)).join(", ");
      console.error(`Installing ${packages} failed (apt-get exited with ${e.exitCode ?? "an error"}).`);
    });
    missing = missingTools(purpose);
  }
}
if (missing.length > 0) {
  const command = installCommand(missing, system);
  if (purpose === "test") {
    console.error(
      `npm test needs programs this machine does not have: ${missing.map((t) => t.name).join(", ")}.\n` +
        missing.map((t) => `  ${t.name}: ${t.feature}\n`).join("") +
        `Install them with:\n  ${command}`,
    );
    process.exit(1);
  }
  for (const t of missing) {
    console.log(`Off: ${t.feature}. ${t.name} is not installed (${installCommand([t], system)}).`);
  }
}
