import { request } from "node:http";

/** Test helpers for the local engine; imported by tests only. */

/** A GET with these header lines exactly as given, repeats included (fetch would merge them). */
export function getWithHeaderLines(
  url: string,
  lines: [string, string][],
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // Given as an array, headers are sent as they are, with no Host added.
    const headers = [["Host", new URL(url).host], ...lines].flat();
    const req = request(url, { headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
