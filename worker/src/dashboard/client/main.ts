import { type ChannelWatch, watchChannels } from "#client/browser.ts";
import { api, messageOf, workerClient } from "./api.ts";
import { ChannelCard } from "./channel-card.ts";
import { checkPanel } from "./checks.ts";
import { byId, h } from "./dom.ts";
import { Session } from "./session.ts";
import { testSfu } from "./sfu-test.ts";
import { testTurn } from "./turn-test.ts";

/** What runs while signed in, so that signing out can stop it: the watch, and each card's preview. */
let running: { watch: ChannelWatch; cards: ChannelCard[] } | undefined;
/** Bumped at each sign-in and sign-out, so that a channel list that arrives late starts nothing. */
let shown = 0;

function showSignIn(message = ""): void {
  shown += 1;
  running?.watch.stop();
  for (const card of running?.cards ?? []) card.stop();
  running = undefined;
  byId("channels").replaceChildren();
  byId("app").hidden = true;
  byId("sign-out").hidden = true;
  byId("signed-in-as").textContent = "";
  byId("sign-in").hidden = false;
  byId("sign-in-message").textContent = message;
  const tenant = byId<HTMLInputElement>("tenant");
  tenant.value ||= new URLSearchParams(location.search).get("tenant") ?? "";
  (tenant.value ? byId<HTMLInputElement>("key") : tenant).focus();
}

async function showApp(session: Session): Promise<void> {
  const current = ++shown;
  const call = api(session);
  byId("sign-in").hidden = true;
  byId("app").hidden = false;
  byId("sign-out").hidden = false;
  byId("signed-in-as").textContent = `Tenant ${session.tenant}`;
  const list = byId("channels");
  const checks = byId("checks");
  list.replaceChildren(h("p", {}, "Loading channels…"));
  checks.replaceChildren(
    checkPanel("Test TURN", "Fresh TURN credentials, then relay candidates gathered by this browser.", () =>
      testTurn(call),
    ),
    checkPanel(
      "Test SFU",
      "A Realtime session created, a track published from this browser, then closed.",
      () => testSfu(call, workerClient(session.tenant)),
    ),
  );
  try {
    const { channels } = await call.streamChannels();
    if (current !== shown) return;
    const cards = channels.map(({ channel }) => new ChannelCard(channel, call));
    list.replaceChildren(
      ...(cards.length > 0
        ? cards.map((card) => h("li", {}, card.element))
        : [h("p", {}, "This tenant has no channels.")]),
    );
    const byChannel = new Map(cards.map((card) => [card.channel, card]));
    const watch = watchChannels(call, [...byChannel.keys()], {
      status: (status) => byChannel.get(status.channel)?.status(status),
      unavailable: (channel, error) => byChannel.get(channel)?.unavailable(messageOf(error)),
      feed: (channel, state) => byChannel.get(channel)?.feed(state),
      ended: () => session.end("The dashboard session has ended: sign in again."),
    });
    running = { watch, cards };
  } catch (error) {
    if (current !== shown) return;
    list.replaceChildren(
      h("p", { class: "failure", role: "alert" }, `Could not list channels: ${messageOf(error)}`),
    );
  }
}

function main(): void {
  const form = byId<HTMLFormElement>("sign-in-form");
  let session = Session.resume(showSignIn);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const tenant = byId<HTMLInputElement>("tenant").value.trim();
    const keyInput = byId<HTMLInputElement>("key");
    const key = keyInput.value.trim();
    // The key is used once, for the exchange, and does not stay in the page.
    keyInput.value = "";
    byId("sign-in-message").textContent = "Signing in…";
    try {
      session = await Session.signIn(tenant, key, showSignIn);
      await showApp(session);
    } catch (error) {
      showSignIn(`Sign-in failed: ${messageOf(error)}`);
    }
  });
  byId("sign-out").addEventListener("click", () => session?.end("Signed out."));
  if (session) void showApp(session);
  else showSignIn();
}

main();
