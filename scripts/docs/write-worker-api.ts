import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WORKER_API_DOC, withRouteTable } from "./worker-api-routes.ts";

/** `npm run docs:api`: rewrites the route table in docs/worker-api.md from contracts/api/routes.ts. */
const path = fileURLToPath(new URL(`../../${WORKER_API_DOC}`, import.meta.url));
writeFileSync(path, withRouteTable(readFileSync(path, "utf8")));
console.log(`wrote the route table of ${WORKER_API_DOC}`);
