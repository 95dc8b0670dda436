import { describe, expect, it } from "vitest";
import { migrationsAfter } from "./worker-migrations.ts";
import { DURABLE_OBJECT_MIGRATIONS, DURABLE_OBJECTS } from "./worker-settings.ts";

const history = [
  { tag: "v1", newSqliteClasses: ["A", "B"] },
  { tag: "v2", newSqliteClasses: ["C"] },
  { tag: "v3", renamedClasses: [{ from: "B", to: "D" }] },
];

describe("Durable Object migrations to upload", () => {
  it("are one step creating the classes the history leaves, at the latest tag, for a new script", () => {
    // Replayed, v1 would create B, which the code no longer exports: Cloudflare refuses that (10070).
    expect(migrationsAfter(undefined, history)).toEqual({
      newTag: "v3",
      steps: [{ newSqliteClasses: ["A", "D", "C"] }],
    });
  });

  it("are only those after the deployed tag, from that tag", () => {
    expect(migrationsAfter("v1", history)).toEqual({
      oldTag: "v1",
      newTag: "v3",
      steps: [{ newSqliteClasses: ["C"] }, { renamedClasses: [{ from: "B", to: "D" }] }],
    });
    expect(migrationsAfter("v2", history)).toEqual({
      oldTag: "v2",
      newTag: "v3",
      steps: [{ renamedClasses: [{ from: "B", to: "D" }] }],
    });
  });

  it("are none when the script is current, so a redeploy never replays a tag", () => {
    expect(migrationsAfter("v3", history)).toBeUndefined();
  });

  it("refuse a tag the program does not know, naming it", () => {
    expect(() => migrationsAfter("v9", history)).toThrow(/"v9".*known: v1, v2, v3/);
  });

  it("leave exactly the Durable Object classes the Worker binds, each renamed class still there", () => {
    const classes = new Set<string>();
    for (const m of DURABLE_OBJECT_MIGRATIONS) {
      for (const name of m.newSqliteClasses ?? []) {
        expect(classes.has(name), `${m.tag} creates ${name} twice`).toBe(false);
        classes.add(name);
      }
      for (const { from, to } of m.renamedClasses ?? []) {
        expect(classes.has(from), `${m.tag} renames ${from}, which does not exist`).toBe(true);
        classes.delete(from);
        classes.add(to);
      }
    }
    expect([...classes].sort()).toEqual(DURABLE_OBJECTS.map((d) => d.className).sort());
  });
});
