import { describe, expect, it } from "vitest";
import { migrationsAfter } from "./worker-migrations.ts";
import { DURABLE_OBJECT_MIGRATIONS, DURABLE_OBJECTS } from "./worker-settings.ts";

const history = [
  { tag: "v1", newSqliteClasses: ["A", "B"] },
  { tag: "v2", newSqliteClasses: ["C"] },
];

describe("Durable Object migrations to upload", () => {
  it("are all of them, as steps, for a new script", () => {
    expect(migrationsAfter(undefined, history)).toEqual({
      newTag: "v2",
      steps: [{ newSqliteClasses: ["A", "B"] }, { newSqliteClasses: ["C"] }],
    });
  });

  it("are only those after the deployed tag, from that tag", () => {
    expect(migrationsAfter("v1", history)).toEqual({
      oldTag: "v1",
      newTag: "v2",
      steps: [{ newSqliteClasses: ["C"] }],
    });
  });

  it("are none when the script is current, so a redeploy never replays a tag", () => {
    expect(migrationsAfter("v2", history)).toBeUndefined();
  });

  it("refuse a tag the program does not know, naming it", () => {
    expect(() => migrationsAfter("v9", history)).toThrow(/"v9".*known: v1, v2/);
  });

  it("create every Durable Object class the Worker binds", () => {
    const created = DURABLE_OBJECT_MIGRATIONS.flatMap((m) => m.newSqliteClasses);
    for (const d of DURABLE_OBJECTS) expect(created).toContain(d.className);
  });
});
