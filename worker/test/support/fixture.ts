import type { TenantMap } from "#contracts/worker/tenant-map.ts";

/**
 * What the Node-side global setup hands the tests in workerd: where the emulator is, the Worker's
 * bindings (with fake secrets made at run time), its tenant map and the resources seeded for the tests.
 */
export interface Credential {
  id: string;
  secret: string;
}

export interface Fixture {
  emulatorUrl: string;
  adminToken: string;
  accountId: string;
  /** Exactly what the Worker under test is bound to. */
  bindings: Record<string, string>;
  /**
   * The tenant map the Worker under test carries: worker/vitest.config.ts compiles it into the
   * script's map module as the program does (`embedTenantMap`).
   */
  tenants: TenantMap;
  /** live input uid per tenant and channel. */
  liveInputs: Record<string, Record<string, string>>;
  /** The stack's probe input: no tenant's channel. */
  probeLiveInput: string;
  /**
   * Realtime credentials of their own, for tests that inject faults, so that their fault rules
   * never touch the shared ones other test files use at the same time.
   */
  isolated: Record<"faults" | "canary", { turnKey: Credential; sfuApp: Credential }>;
  /** Another Stream API token (id and value), as the next rotation slot's would be. */
  nextStreamToken: Credential;
}

declare module "vitest" {
  interface ProvidedContext {
    fixture: Fixture;
  }
}
