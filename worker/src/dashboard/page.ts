import { DASHBOARD_SCRIPT_PATH, DASHBOARD_STYLE_PATH } from "#contracts/worker/dashboard-assets.ts";

/**
 * Only the dashboard's own script and stylesheet run, named by their full URLs on the origin the
 * page was served from (a source with a path matches that path only, CSP Level 3 §6.7.2.10), so
 * that no other answer of this origin can be loaded as a script, whatever its type. They are the
 * Worker's static assets. The page talks to this origin and, for the live
 * preview (HLS manifests, WHEP), to the Stream delivery hosts of the channels (`playbackOrigins`).
 * WebRTC's own traffic is not subject to CSP, so Test TURN, Test SFU and WHEP media still work.
 * A channel's current frame is fetched from the delivery host and shown from a `blob:` URL.
 */
export function dashboardCsp(origin: string, playbackOrigins: readonly string[]): string {
  const delivery = playbackOrigins.length > 0 ? ` ${playbackOrigins.join(" ")}` : "";
  return [
    "default-src 'none'",
    `script-src ${origin}${DASHBOARD_SCRIPT_PATH}`,
    `style-src ${origin}${DASHBOARD_STYLE_PATH}`,
    `connect-src 'self'${delivery}`,
    `media-src ${delivery ? delivery.trim() : "'none'"}`,
    "img-src 'self' data: blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The dashboard's one page: static markup that the script fills in after sign-in. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>realtime-stack · status dashboard</title>
<link rel="stylesheet" href="${DASHBOARD_STYLE_PATH}">
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header>
  <h1>realtime-stack · status dashboard</h1>
  <span id="signed-in-as"></span>
  <button type="button" id="sign-out" hidden>Sign out</button>
</header>
<main id="main">
  <section id="sign-in" aria-labelledby="sign-in-heading" hidden>
    <h2 id="sign-in-heading">Sign in</h2>
    <form id="sign-in-form">
      <label>Tenant id <input id="tenant" name="tenant" autocomplete="username" required pattern="[A-Za-z0-9_\\-]{1,64}"></label>
      <label>Tenant API key <input id="key" name="key" type="password" autocomplete="current-password" required></label>
      <button type="submit">Sign in</button>
    </form>
    <p class="hint">The key is traded for a 15-minute dashboard token at once and is not kept: the token lives in this tab only and is renewed while the tab is open, for up to 12 hours.</p>
    <p id="sign-in-message" role="status"></p>
  </section>
  <div id="app" hidden>
    <section aria-labelledby="channels-heading">
      <h2 id="channels-heading">Channels</h2>
      <ul class="channels" id="channels"></ul>
    </section>
    <section aria-labelledby="checks-heading">
      <h2 id="checks-heading">Connectivity</h2>
      <div class="checks" id="checks"></div>
    </section>
  </div>
  <div id="announcer" class="visually-hidden" aria-live="polite"></div>
</main>
<script type="module" src="${DASHBOARD_SCRIPT_PATH}"></script>
</body>
</html>
`;
