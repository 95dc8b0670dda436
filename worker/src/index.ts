import { Hono } from "hono";

const app = new Hono<{ Bindings: Env }>();

app.get("/healthz", (c) =>
  c.json({ success: true, data: { ok: true, version: c.env.VERSION, stack: c.env.STACK } }),
);

export default app;
