import type * as pulumi from "@pulumi/pulumi";
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import type { CloudflareRest } from "../../cloudflare-rest.ts";
import { ApiSettings } from "./api.ts";

// zod/mini loads no locale; check failures must say what was expected.
z.config(en());

export type Props = Record<string, unknown>;

/** The placeholder Pulumi sends for an input not known yet (a preview before its dependency exists). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** Pulumi's own property on every dynamic resource: the serialized provider. Never ours to diff. */
const PROVIDER_KEY = "__provider";

/**
 * One Cloudflare object kind, as the REST API manages it. `read` answers undefined when the
 * object is gone; the generic lifecycle below turns that, 404s on delete, and drift into Pulumi's terms.
 */
export interface CloudflareKind<I extends Props, O extends Props> {
  what: string;
  inputs: z.ZodMiniObject;
  /** Inputs the API cannot change in place (the account: the object lives under it). */
  replaceOn: readonly (keyof I & string)[];
  create(api: CloudflareRest, inputs: I): Promise<{ id: string; outs: O }>;
  read(api: CloudflareRest, id: string, olds: O): Promise<O | undefined>;
  update(api: CloudflareRest, id: string, olds: O, news: I): Promise<O>;
  delete(api: CloudflareRest, id: string, olds: O): Promise<void>;
}

function isPlainObject(v: unknown): v is Props {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set(
      [...Object.keys(a), ...Object.keys(b)].filter((k) => a[k] !== undefined || b[k] !== undefined),
    );
    return [...keys].every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * The live value seen through what was declared: only the keys the old inputs set, recursively, so
 * that a setting the program leaves to Cloudflare never reads as drift. Absent in the API → kept.
 */
function project(declared: unknown, live: unknown): unknown {
  if (live === undefined) return declared;
  if (isPlainObject(declared) && isPlainObject(live)) {
    return Object.fromEntries(Object.entries(declared).map(([k, v]) => [k, project(v, live[k])]));
  }
  return live;
}

/**
 * Whether a resource's state still holds the provider as it was serialized before December 2026:
 * the whole provider code, packed, which its closure unpacked with `brotliDecompressSync`
 * (../serialized-provider.ts now names the code instead). Pulumi keeps a resource's old outputs
 * when nothing changes (the same step copies them, pkg/resource/deploy/step.go), so diff reports
 * such a state as changed, and update, finding nothing else to do, writes the outputs back with
 * the new provider and no call to Cloudflare.
 */
const holdsPackedProvider = (props: Props) =>
  typeof props[PROVIDER_KEY] === "string" && props[PROVIDER_KEY].includes("brotliDecompressSync");

function withoutProvider(props: Props): Props {
  const { [PROVIDER_KEY]: _provider, ...rest } = props;
  return rest;
}

export const isNotFound = (e: unknown) =>
  e instanceof Error && "status" in e && (e as { status: number }).status === 404;

/** The declared inputs whose value differs from the state's, the provider and an adoption request aside. */
const changedInputs = (olds: Props, news: Props) =>
  Object.keys(withoutProvider(news)).filter((k) => k !== "adopt" && !deepEqual(olds[k], news[k]));

/** The adoption request an input carries, if any: the uid to take over instead of creating one. */
const adoptedUid = (inputs: Props) => (inputs.adopt as { uid?: string } | undefined)?.uid;

/**
 * Pulumi's ResourceProvider for one kind: check validates with the contract, diff follows what the
 * API can update in place, read reports drift and disappearance, delete treats 404 as done.
 */
export function dynamicProvider<I extends Props, O extends Props>(
  kind: CloudflareKind<I, O>,
): pulumi.dynamic.ResourceProvider {
  const settings = new ApiSettings("providers");
  settings.configure(undefined, process.env);
  const inputKeys = Object.keys(kind.inputs.shape);
  const declaredInputs = (props: Props) =>
    Object.fromEntries(inputKeys.filter((k) => props[k] !== undefined).map((k) => [k, props[k]]));

  return {
    async configure(req) {
      settings.configure(req.config, process.env);
    },

    async check(_olds, news) {
      const inputs = withoutProvider(news);
      const known = Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== UNKNOWN));
      const schema =
        Object.keys(known).length < Object.keys(inputs).length ? z.partial(kind.inputs) : kind.inputs;
      const parsed = z.safeParse(schema, known);
      if (parsed.success) return { inputs };
      return {
        inputs,
        failures: parsed.error.issues.map((issue) => ({
          property: issue.path.join(".") || "(inputs)",
          reason: `${kind.what}: ${issue.message}`,
        })),
      };
    },

    async diff(id, olds, news) {
      const changed = changedInputs(olds, news);
      const adopt = adoptedUid(news);
      // Adopting another object than the one held is Pulumi's import-over-existing: the new one replaces it.
      const replaces = [
        ...changed.filter((k) => kind.replaceOn.includes(k as keyof I & string)),
        ...(adopt !== undefined && adopt !== id ? ["adopt"] : []),
      ];
      const changes = changed.length > 0 || replaces.length > 0 || holdsPackedProvider(olds);
      return { changes, replaces, deleteBeforeReplace: false };
    },

    async create(props) {
      return kind.create(settings.client(), withoutProvider(props) as I);
    },

    async read(id, props) {
      const olds = withoutProvider(props ?? {}) as O;
      const live = await kind.read(settings.client(), id, olds);
      if (!live) return { id: "", props: {} };
      const inputs = project(declaredInputs(olds), live) as Props;
      const computed = Object.fromEntries(Object.entries(live).filter(([k]) => !inputKeys.includes(k)));
      return { id, props: { ...computed, ...inputs }, inputs };
    },

    async update(id, olds, news) {
      // Only the provider in the state changed (holdsPackedProvider): the object stays as it is.
      if (changedInputs(olds, news).length === 0) return { outs: withoutProvider(olds) };
      return {
        outs: await kind.update(
          settings.client(),
          id,
          withoutProvider(olds) as O,
          withoutProvider(news) as I,
        ),
      };
    },

    async delete(id, props) {
      try {
        await kind.delete(settings.client(), id, withoutProvider(props) as O);
      } catch (e) {
        // Already gone (deleted by hand, or by an interrupted run) is what a delete wants.
        if (!isNotFound(e)) throw e;
      }
    },
  };
}
