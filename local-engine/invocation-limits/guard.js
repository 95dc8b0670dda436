// Runs inside workerd, evaluated before the program's own modules: counts what each invocation of
// the Worker spends on subrequests and refuses past Cloudflare's limit, as Cloudflare's runtime does
// (limits.ts has the figures and their sources). The program's code runs unchanged; it only meets a
// fetch(), Cache API and Durable Object stubs that count.

import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";
import { AsyncLocalStorage } from "node:async_hooks";
import limits from "./__invocation_limits_config.js";

/** The budget of the invocation running now: `owner` is the handler object or Durable Object serving it. */
const invocation = new AsyncLocalStorage();

/** Spends one subrequest of `kind` ("external" or "internal"); the error to throw when none is left. */
function take(kind) {
  const budget = invocation.getStore();
  if (!budget) return undefined;
  if (limits.combined !== undefined) {
    if (budget.total >= limits.combined) return new Error(limits.messages.external);
    budget.total += 1;
    return undefined;
  }
  if (budget[kind] >= limits[kind]) return new Error(limits.messages[kind]);
  budget[kind] += 1;
  return undefined;
}

/** Runs an invocation of `owner` with a budget of its own, unless `owner` is already serving one. */
function inInvocation(owner, run) {
  if (invocation.getStore()?.owner === owner) return run();
  return invocation.run({ owner, total: 0, external: 0, internal: 0 }, run);
}

const originalFetch = globalThis.fetch;
globalThis.fetch = function fetch(input, init) {
  const refusal = take("external");
  return refusal ? Promise.reject(refusal) : originalFetch(input, init);
};

// "50 total put(), match(), or delete() calls per-request, using the same quota as fetch()".
for (const method of typeof Cache === "function" ? ["match", "put", "delete"] : []) {
  const original = Cache.prototype[method];
  Cache.prototype[method] = function (...args) {
    const refusal = take("external");
    return refusal ? Promise.reject(refusal) : original.apply(this, args);
  };
}

/** A Durable Object stub whose every call (fetch or RPC method) is a subrequest. */
function countedStub(stub) {
  return new Proxy(stub, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (typeof value !== "function") return value;
      return (...args) => {
        const refusal = take("internal");
        return refusal ? Promise.reject(refusal) : Reflect.apply(value, target, args);
      };
    },
  });
}

const STUB_FACTORIES = new Set(["get", "getByName"]);

/** A Durable Object namespace handing out counted stubs. */
function countedNamespace(namespace) {
  return new Proxy(namespace, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (typeof value !== "function") return value;
      if (STUB_FACTORIES.has(key)) return (...args) => countedStub(Reflect.apply(value, target, args));
      if (key === "jurisdiction") return (...args) => countedNamespace(Reflect.apply(value, target, args));
      return value.bind(target);
    },
  });
}

const countedEnvs = new WeakMap();

/** The Worker's env with its Durable Object namespaces counted; one per env object, so identity holds. */
function countedEnv(env) {
  if (env === null || typeof env !== "object") return env;
  let counted = countedEnvs.get(env);
  if (!counted) {
    const namespaces = new Map();
    counted = new Proxy(env, {
      get(target, key) {
        const value = Reflect.get(target, key);
        if (!limits.durableObjectBindings.includes(key) || value === null || typeof value !== "object") {
          return value;
        }
        if (!namespaces.has(key)) namespaces.set(key, countedNamespace(value));
        return namespaces.get(key);
      },
    });
    countedEnvs.set(env, counted);
  }
  return counted;
}

const RUNTIME_BASES = new Set([DurableObject.prototype, WorkerEntrypoint.prototype, Object.prototype]);

/** The methods a class defines down to the runtime's base class: its handlers and RPC methods. */
function methodNames(prototype) {
  const names = new Set();
  for (let p = prototype; p && !RUNTIME_BASES.has(p); p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      const descriptor = Object.getOwnPropertyDescriptor(p, name);
      if (name !== "constructor" && typeof descriptor?.value === "function") names.add(name);
    }
  }
  return names;
}

/**
 * A Durable Object or entrypoint class whose every call from outside (fetch, alarm, WebSocket
 * events, RPC methods) is an invocation with its own budget, and whose env counts its stub calls.
 */
export function countedClass(Base) {
  if (typeof Base !== "function") return Base;
  const Counted = class extends Base {
    constructor(ctx, env) {
      super(ctx, countedEnv(env));
    }
  };
  for (const name of methodNames(Base.prototype)) {
    const original = Base.prototype[name];
    Object.defineProperty(Counted.prototype, name, {
      value: function (...args) {
        return inInvocation(this, () => original.apply(this, args));
      },
      writable: true,
      configurable: true,
    });
  }
  Object.defineProperty(Counted, "name", { value: Base.name });
  return Counted;
}

/** Every property name of an object, its prototypes' included (a handler may be a class method). */
function propertyNames(object) {
  const names = new Set();
  for (let p = object; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) if (name !== "constructor") names.add(name);
  }
  return names;
}

/**
 * The default export: each handler call (fetch, scheduled, queue, …) an invocation, its env (every
 * module handler's second argument) counted.
 */
export function countedHandlers(handlers) {
  if (typeof handlers === "function") return countedClass(handlers);
  if (handlers === null || typeof handlers !== "object") return handlers;
  const counted = {};
  for (const name of propertyNames(handlers)) {
    const value = handlers[name];
    counted[name] =
      typeof value === "function"
        ? (event, env, ...rest) =>
            inInvocation(counted, () => value.call(handlers, event, countedEnv(env), ...rest))
        : value;
  }
  return counted;
}
