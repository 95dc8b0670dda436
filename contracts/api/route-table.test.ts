import { describe, expect, it } from "vitest";
import { pathParams, ROUTE_TABLE, type RouteName } from "./route-table.ts";
import { API_ROUTES, type ApiRoute } from "./routes.ts";

const names = Object.keys(ROUTE_TABLE) as RouteName[];

describe("the route table and the routes' schemas", () => {
  // routes.ts's `satisfies` holds the names together; this holds each line to its own route.
  it.each(names)("%s: carries its own line of the table", (name) => {
    expect(API_ROUTES[name]).toMatchObject(ROUTE_TABLE[name]);
  });

  it.each(names)("%s: the input goes where its schema says", (name) => {
    const route: ApiRoute = API_ROUTES[name];
    expect(route.input).toBe(route.body ? "body" : route.query ? "query" : undefined);
    expect(route.body && route.query).toBeFalsy();
    expect(Object.keys(route.params?.shape ?? {})).toEqual(pathParams(route.path));
  });
});
