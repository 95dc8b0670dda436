import { afterEach, describe, expect, it } from "vitest";
import type { RTCPeerConnection } from "werift";
import { connectedWithin, describeLocally, loopbackPeer } from "./peer.ts";

const peers: RTCPeerConnection[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((pc) => pc.close()));
});
const peer = (config?: Parameters<typeof loopbackPeer>[0]) => {
  const pc = loopbackPeer(config);
  peers.push(pc);
  return pc;
};

describe("a loopback peer", () => {
  it("offers one host candidate, on 127.0.0.1, with its candidates in the description", async () => {
    const pc = peer();
    pc.createDataChannel("x");
    pc.addTransceiver("video", { direction: "sendonly" });
    const offer = await describeLocally(pc, pc.createOffer());
    const candidates = offer.sdp.match(/^a=candidate:.*$/gm) ?? [];
    expect(new Set(candidates).size).toBe(1);
    expect(candidates[0]).toMatch(/ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/);
    expect(offer.sdp).toMatch(/^a=group:BUNDLE 0 1$/m);
  });

  it("connects to another over loopback, the ICE-lite side answering", async () => {
    const client = peer();
    const server = peer({ iceLite: true });
    client.createDataChannel("x");
    await server.setRemoteDescription(await describeLocally(client, client.createOffer()));
    const answer = await describeLocally(server, server.createAnswer());
    expect(answer.sdp).toMatch(/^a=ice-lite$/m);
    await client.setRemoteDescription(answer);
    expect(await connectedWithin(client, 10_000)).toBe(true);
    expect(await connectedWithin(server, 10_000)).toBe(true);
  });

  it("says when a connection does not come up in time", async () => {
    const lonely = peer();
    lonely.createDataChannel("x");
    await describeLocally(lonely, lonely.createOffer());
    const started = performance.now();
    expect(await connectedWithin(lonely, 200)).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });
});
