import { apiFailure } from "#contracts/api/envelope.ts";
import { API_ROUTES } from "#contracts/api/routes.ts";
import type { AnswerCheck } from "./answer-check.ts";

/** Every answer checked against the route's own schema: the server entry's check. */
export const schemaAnswers: AnswerCheck = {
  failure(json) {
    const failure = apiFailure.safeParse(json);
    return failure.success ? failure.data.error : undefined;
  },
  data(name, data) {
    const parsed = API_ROUTES[name].data.safeParse(data);
    if (parsed.success) return { ok: true, value: parsed.data };
    const issue = parsed.error.issues[0];
    return { ok: false, ...(issue ? { issue: `${issue.path.join(".")}: ${issue.message}` } : {}) };
  },
};
