import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";

/**
 * Validates response bodies against the official OpenAPI subset (docs/reference/cloudflare-api.md §10): an OpenAPI
 * 3.0.3 extract of cloudflare/api-schemas (2024-08-07). OpenAPI 3.0 is not JSON Schema, so
 * `nullable` is rewritten into JSON Schema before ajv sees it, and `$ref`s resolve against the
 * document's own `components`.
 */

type Json = Record<string, unknown>;
type Doc = { paths: Record<string, Record<string, Json>>; components: Json };

/** A known defect of the 2024 snapshot, corrected in a private copy of the document. */
export interface SpecTolerance {
  /** What is wrong in the snapshot and which source says otherwise. */
  reason: string;
  patch: (doc: Doc) => void;
}

export type OpenApiVerdict = { covered: false } | { covered: true; operation: string; errors: string[] };

const SUBSET_URL = new URL("../../docs/reference/cloudflare-openapi-subset.json", import.meta.url);

const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const schemas = (doc: Doc) => doc.components["schemas"] as Record<string, Json>;
const jsonSchemaOf = (doc: Doc, path: string, method: string, status: string) => {
  const responses = doc.paths[path]![method]!["responses"] as Record<string, Json>;
  const content = responses[status]!["content"] as Record<string, Json>;
  return content["application/json"] as Json;
};

/** A Calls item as the SDK and docs/reference/cloudflare-api.md §3/§4 describe it: no secret, no key. */
const CALLS_ITEM = {
  type: "object",
  properties: {
    uid: schemaRef("calls_identifier"),
    name: schemaRef("calls_name"),
    created: schemaRef("calls_created"),
    modified: schemaRef("calls_modified"),
  },
};

const callsEnvelope = (result: Json) => ({
  allOf: [schemaRef("calls_api-response-single"), { properties: { result } }],
});

/** The snapshot's defects that docs/reference/cloudflare-api.md §1, §3 and §4 document; the emulator follows the reference. */
export const KNOWN_SPEC_BUGS: SpecTolerance[] = [
  {
    reason:
      "§3: the calls apps list points its items at calls_turn_key (a 64-hex string); the SDK lists app objects",
    patch: (doc) => {
      schemas(doc)["calls_app_response_collection"] = {
        allOf: [
          schemaRef("calls_api-response-common"),
          { properties: { result: { type: "array", items: CALLS_ITEM } } },
        ],
      };
    },
  },
  {
    reason:
      "§4: the same mix-up for TURN keys: list, get, update and delete declare the key string as the item; " +
      "the SDK and docs/reference/cloudflare-api.md §4 return {uid, name, created, modified}",
    patch: (doc) => {
      schemas(doc)["calls_turn_key_collection"] = {
        allOf: [
          schemaRef("calls_api-response-common"),
          { properties: { result: { type: "array", items: CALLS_ITEM } } },
        ],
      };
      schemas(doc)["calls_turn_key_response_single"] = callsEnvelope(CALLS_ITEM);
    },
  },
  {
    reason:
      "§4: TURN key create declares its 201 body without the envelope; the SDK unwraps `.result` from an envelope",
    patch: (doc) => {
      jsonSchemaOf(doc, "/accounts/{account_id}/calls/turn_keys", "post", "201")["schema"] = callsEnvelope(
        schemaRef("calls_turn_key_with_key"),
      );
    },
  },
  {
    reason:
      "§1.2/§1.3: deleteRecordingAfterDays is null when no deletion is scheduled; the snapshot omits `nullable`",
    patch: (doc) => {
      schemas(doc)["stream_live_input_recording_deletion"]!["nullable"] = true;
    },
  },
  {
    reason:
      "§1.2: recording.allowedOrigins is null when unset, as the docs example shows; the snapshot omits `nullable`",
    patch: (doc) => {
      schemas(doc)["stream_live_input_recording_allowedOrigins"]!["nullable"] = true;
    },
  },
  {
    reason:
      "§3/§4: the two Calls creates declare only their 201, while every other Calls operation declares its " +
      "4XX as calls_api-response-common-failure; the API answers a refused create with that same envelope",
    patch: (doc) => {
      for (const path of ["/accounts/{account_id}/calls/apps", "/accounts/{account_id}/calls/turn_keys"]) {
        const responses = doc.paths[path]!["post"]!["responses"] as Record<string, Json>;
        responses["4XX"] = {
          description: "Failure",
          content: { "application/json": { schema: schemaRef("calls_api-response-common-failure") } },
        };
      }
    },
  },
  {
    reason:
      "§6.2: usage_model is `standard` since Cloudflare's Standard usage model (2024); the snapshot allows only " +
      "bundled|unbound, the SDK 'standard' | 'bundled' | 'unbound'",
    patch: (doc) => {
      schemas(doc)["workers_usage_model"]!["pattern"] = "^(standard|bundled|unbound)$";
    },
  },
  {
    reason:
      "§6.2: the snapshot's binding kinds lack plain_text, secret_text, json and the others the SDK lists; " +
      "a settings read returns them (secret_text as name and type only)",
    patch: (doc) => {
      const inSnapshot = [
        "kv_namespace",
        "service",
        "durable_object_namespace",
        "r2_bucket",
        "queue",
        "d1",
        "dispatch_namespace",
        "mtls_certificate",
      ];
      (schemas(doc)["workers_binding"]!["oneOf"] as Json[]).push({
        type: "object",
        required: ["name", "type"],
        properties: { name: { type: "string" }, type: { type: "string", not: { enum: inSnapshot } } },
      });
    },
  },
  {
    reason:
      "§0: several Workers operations declare their 4XX body as a success envelope (success: true, or a success " +
      "list and a failure at once), which no failure satisfies; the API answers with the failure envelope",
    patch: (doc) => failureEnvelopeFor4xx(doc, "/workers/", "workers_api-response-common-failure"),
  },
  {
    reason:
      "§7.2: the user tokens operations declare their 4XX body as a success envelope and a failure at once " +
      "(iam_response_single_* allOf iam_api-response-common-failure), which no failure satisfies",
    patch: (doc) => failureEnvelopeFor4xx(doc, "/user/tokens", "iam_api-response-common-failure"),
  },
];

/** Every operation under paths containing `within`: its 4XX body is the failure envelope `failure`. */
function failureEnvelopeFor4xx(doc: Doc, within: string, failure: string): void {
  for (const [path, operations] of Object.entries(doc.paths)) {
    if (!path.includes(within)) continue;
    for (const operation of Object.values(operations)) {
      const responses = operation["responses"] as Record<string, Json> | undefined;
      const content = responses?.["4XX"]?.["content"] as Record<string, Json> | undefined;
      if (content?.["application/json"]) content["application/json"] = { schema: schemaRef(failure) };
    }
  }
}

/** OpenAPI 3.0 `nullable: true` has no JSON Schema keyword: it becomes a `null` type (and enum member). */
function convertNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convertNullable);
  if (!node || typeof node !== "object") return node;
  const { nullable, ...rest } = node as Json;
  const converted = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, convertNullable(v)]));
  if (nullable !== true) return converted;
  if (Array.isArray(converted["enum"]) && !converted["enum"].includes(null)) converted["enum"].push(null);
  if (typeof converted["type"] === "string") return { ...converted, type: [converted["type"], "null"] };
  return { anyOf: [converted, { type: "null" }] };
}

const templateRegex = (template: string) => new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
/** Literal segments win over parameters, so that `/tokens/verify` is not taken for `/tokens/{token_id}`. */
const literalSegments = (template: string) =>
  template.split("/").filter((s) => s && !s.startsWith("{")).length;

export class OpenApiValidator {
  private readonly doc: Doc;
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction | null>();
  private readonly templates: { template: string; pattern: RegExp }[];

  constructor(tolerances: SpecTolerance[] = KNOWN_SPEC_BUGS) {
    const doc = JSON.parse(readFileSync(SUBSET_URL, "utf8")) as Doc;
    for (const t of tolerances) t.patch(doc);
    this.doc = convertNullable(doc) as Doc;
    this.ajv = new Ajv({
      strict: false,
      allErrors: true,
      // The subset uses only these two formats; `binary` marks multipart file parts, not JSON.
      formats: {
        "date-time": (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(s) && !Number.isNaN(Date.parse(s)),
        binary: true,
      },
    });
    this.templates = Object.keys(this.doc.paths)
      .sort((a, b) => literalSegments(b) - literalSegments(a))
      .map((template) => ({ template, pattern: templateRegex(template) }));
  }

  /** The subset's path template for a concrete path (with or without `/client/v4` and a query). */
  templateFor(path: string): string | undefined {
    const bare = new URL(path, "http://x").pathname.replace(/^\/client\/v4/, "");
    return this.templates.find((t) => t.pattern.test(bare))?.template;
  }

  /**
   * Checks one response. Not covered when the subset lacks the path or method; an undeclared
   * status is an error, since it means the emulator answers with a status Cloudflare does not.
   */
  check(method: string, path: string, status: number, body: unknown): OpenApiVerdict {
    const template = this.templateFor(path);
    const m = method.toLowerCase();
    const operation = template ? this.doc.paths[template]?.[m] : undefined;
    if (!template || !operation) return { covered: false };
    const name = `${method.toUpperCase()} ${template}`;
    const responses = operation["responses"] as Record<string, Json>;
    const key = [String(status), `${String(status)[0]}XX`, "default"].find((k) => k in responses);
    if (!key) return { covered: true, operation: name, errors: [`status ${status} is not declared`] };
    const validate = this.validatorFor(`${name} ${key}`, responses[key]!);
    if (!validate || validate(body)) return { covered: true, operation: name, errors: [] };
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || "(body)"} ${e.message}`);
    return { covered: true, operation: name, errors };
  }

  /** Throws with every schema violation, for use inside tests; returns whether the path was covered. */
  assertValid(method: string, path: string, status: number, body: unknown): boolean {
    const verdict = this.check(method, path, status, body);
    if (verdict.covered && verdict.errors.length > 0) {
      throw new Error(
        `${verdict.operation} → ${status} violates the OpenAPI subset:\n${verdict.errors.join("\n")}`,
      );
    }
    return verdict.covered;
  }

  /** `null` when the response declares no JSON schema (e.g. live input delete): any body passes. */
  private validatorFor(cacheKey: string, response: Json): ValidateFunction | null {
    if (!this.compiled.has(cacheKey)) {
      const content = response["content"] as Record<string, Json> | undefined;
      const schema = content?.["application/json"]?.["schema"];
      this.compiled.set(
        cacheKey,
        schema ? this.ajv.compile({ allOf: [schema], components: this.doc.components }) : null,
      );
    }
    return this.compiled.get(cacheKey)!;
  }
}
