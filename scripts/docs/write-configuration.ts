import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CONFIGURATION_DOC, renderConfigurationDoc } from "./configuration-doc.ts";

/** `npm run docs:config`: writes docs/configuration.md from the stack configuration schema. */
writeFileSync(
  fileURLToPath(new URL(`../../${CONFIGURATION_DOC}`, import.meta.url)),
  renderConfigurationDoc(),
);
console.log(`wrote ${CONFIGURATION_DOC}`);
