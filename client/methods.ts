import type * as z from "zod/mini";
import { ROUTE_TABLE, type RouteAuth, type RouteLine, type RouteName } from "#contracts/api/route-table.ts";
// Types only: the schemas give each method its input and result types, and none reaches a bundle.
import type { API_ROUTES } from "#contracts/api/routes.ts";
import type { EventStream } from "./event-stream.ts";
import type { CallOptions, Credential, Transport } from "./transport.ts";

type Routes = typeof API_ROUTES;

export type { RouteName };

/** The routes that authenticate with `A`. */
export type RoutesWithAuth<A extends RouteAuth> = {
  [K in RouteName]: Routes[K]["auth"] extends A ? K : never;
}[RouteName];

/** No input at all. */
type NoFields = Record<never, never>;
type Fields<S> = S extends z.ZodMiniType ? z.input<S> : NoFields;

/** A route's input, flat: its path parameters, its query and its body's fields in one object. */
export type RouteInput<R> = (R extends { params: infer P } ? Fields<P> : NoFields) &
  (R extends { query: infer Q } ? Fields<Q> : NoFields) &
  (R extends { body: infer B } ? Fields<B> : NoFields);

/** What a call resolves to: the route's checked `data`, an event stream, a WebSocket URL or a page. */
export type RouteResult<R> = R extends { data: infer D extends z.ZodMiniType; produces: infer P }
  ? P extends "event-stream"
    ? EventStream<z.output<D>>
    : string
  : R extends { data: infer D extends z.ZodMiniType }
    ? z.output<D>
    : never;

/** Omit over each member of a union (a body that is one shape or another), not over their common keys. */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

type Args<I> = NoFields extends I ? [input?: I, options?: CallOptions] : [input: I, options?: CallOptions];

/**
 * One method per route, named as in the route table; `Bound` names the inputs the client fills in
 * itself (a session's id, say), which the caller then does not pass.
 */
export type RouteMethods<N extends RouteName, Bound extends string = never> = {
  [K in N]: (...args: Args<OmitEach<RouteInput<Routes[K]>, Bound>>) => Promise<RouteResult<Routes[K]>>;
};

/**
 * The methods of every route with one of `auths`, each sending `credential` (read at each call when
 * it is a function, for a token that is renewed), with `bound` inputs filled in.
 */
export function routeMethods<N extends RouteName, Bound extends string = never>(
  transport: Transport,
  auths: readonly RouteAuth[],
  credential: Credential | (() => Credential),
  bound: Record<Bound, string> = {} as Record<Bound, string>,
): RouteMethods<N, Bound> {
  const methods: Record<string, (input?: object, options?: CallOptions) => Promise<unknown>> = {};
  for (const [name, route] of Object.entries(ROUTE_TABLE) as [RouteName, RouteLine][]) {
    if (!auths.includes(route.auth)) continue;
    methods[name] = async (input = {}, options) =>
      transport.call(
        name,
        { ...input, ...bound },
        typeof credential === "function" ? credential() : credential,
        options,
      );
  }
  return methods as unknown as RouteMethods<N, Bound>;
}
