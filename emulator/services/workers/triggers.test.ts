import { describe, expect, it } from "vitest";
import { cfSuccess } from "#contracts/cloudflare/envelope.ts";
import {
  workerSchedules,
  workerScriptSubdomain,
  workersAccountSubdomain,
} from "#contracts/cloudflare/workers.ts";
import { errorCodes, useWorkersEmulator } from "./test-support.ts";

const { api, deploy } = useWorkersEmulator();

describe("cron triggers", () => {
  it("replaces the schedules and keeps created_on of a cron that stays", async () => {
    await deploy("cron");
    const empty = cfSuccess(workerSchedules).parse(await (await api("/scripts/cron/schedules")).json());
    expect(empty.result.schedules).toEqual([]);

    const first = await api("/scripts/cron/schedules", {
      method: "PUT",
      body: JSON.stringify([{ cron: "*/5 * * * *" }]),
    });
    const [five] = cfSuccess(workerSchedules).parse(await first.json()).result.schedules;
    const second = await api("/scripts/cron/schedules", {
      method: "PUT",
      body: JSON.stringify([{ cron: "*/5 * * * *" }, { cron: "0 3 * * MON" }]),
    });
    const { schedules } = cfSuccess(workerSchedules).parse(await second.json()).result;
    expect(schedules.map((s) => s.cron)).toEqual(["*/5 * * * *", "0 3 * * MON"]);
    expect(schedules[0]!.created_on).toBe(five!.created_on);

    // A code upload leaves the triggers in place.
    await deploy("cron");
    const after = cfSuccess(workerSchedules).parse(await (await api("/scripts/cron/schedules")).json());
    expect(after.result.schedules).toHaveLength(2);
  });

  it("refuses a malformed cron and a body that is not an array", async () => {
    await deploy("cron");
    const bad = await api("/scripts/cron/schedules", {
      method: "PUT",
      body: JSON.stringify([{ cron: "often" }]),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors[0].message).toMatch(/^0\.cron: must be a cron expression/);
    const notArray = await api("/scripts/cron/schedules", {
      method: "PUT",
      body: JSON.stringify({ cron: "* * * * *" }),
    });
    expect(await errorCodes(notArray)).toEqual([10021]);
  });
});

describe("workers.dev subdomain", () => {
  it("enables and disables a script's workers.dev route", async () => {
    await deploy("public");
    const initial = cfSuccess(workerScriptSubdomain).parse(
      await (await api("/scripts/public/subdomain")).json(),
    );
    expect(initial.result).toEqual({ enabled: false, previews_enabled: false });

    const enabled = await api("/scripts/public/subdomain", {
      method: "POST",
      body: JSON.stringify({ enabled: true }),
    });
    expect(cfSuccess(workerScriptSubdomain).parse(await enabled.json()).result).toEqual({
      enabled: true,
      previews_enabled: true,
    });
    const noPreviews = await api("/scripts/public/subdomain", {
      method: "POST",
      body: JSON.stringify({ enabled: true, previews_enabled: false }),
    });
    expect(cfSuccess(workerScriptSubdomain).parse(await noPreviews.json()).result.previews_enabled).toBe(
      false,
    );

    const disabled = await api("/scripts/public/subdomain", { method: "DELETE" });
    expect(cfSuccess(workerScriptSubdomain).parse(await disabled.json()).result.enabled).toBe(false);
    const bad = await api("/scripts/public/subdomain", {
      method: "POST",
      body: JSON.stringify({ enabled: "yes" }),
    });
    expect(await errorCodes(bad)).toEqual([10021]);
  });

  it("reads and sets the account's workers.dev subdomain", async () => {
    const initial = cfSuccess(workersAccountSubdomain).parse(await (await api("/subdomain")).json());
    expect(initial.result.subdomain).toBe("local-emulator");
    const set = await api("/subdomain", { method: "PUT", body: JSON.stringify({ subdomain: "acme-dev" }) });
    expect(cfSuccess(workersAccountSubdomain).parse(await set.json()).result).toEqual({
      subdomain: "acme-dev",
    });
    const bad = await api("/subdomain", {
      method: "PUT",
      body: JSON.stringify({ subdomain: "Not A Label" }),
    });
    expect(bad.status).toBe(400);
    expect(
      cfSuccess(workersAccountSubdomain).parse(await (await api("/subdomain")).json()).result.subdomain,
    ).toBe("acme-dev");
  });
});
