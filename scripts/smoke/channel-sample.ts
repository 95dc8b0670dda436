import * as z from "zod";
import type { TargetChannel, TargetTenant } from "./target.ts";

/** Which channels smoke checks: every one, or a bounded sample. */
export type ChannelSelection = { kind: "all" } | { kind: "sample"; size: number };

/**
 * What a smoke run after each deploy checks by default. Each channel check is a status call through
 * the Worker and one read of the live input at the source: 25 of them cost a deploy token next to
 * nothing and finish inside smoke's minute, whether the stack has 3 channels or 3,000.
 */
export const DEFAULT_CHANNEL_SAMPLE = 25;

export const CHANNELS_FLAG_USAGE = `  --channels <which>   all, or sample:<n> (default sample:${DEFAULT_CHANNEL_SAMPLE}): the first tenant's first
                       channel, the last tenant's last (where a cut-short tenant map shows) and
                       random others. all checks every channel, the source reads paced within the
                       scripts' share of the deploy token's budget (realtime-stack:deployApi), and
                       the deadline grows with the time that pace takes`;

/** `all` or `sample:<n>`; undefined when the text is neither. */
export function parseChannelSelection(text: string): ChannelSelection | undefined {
  if (text === "all") return { kind: "all" };
  const sample = /^sample:(\d{1,5})$/.exec(text);
  const size = Number(sample?.[1]);
  return sample && size >= 1 ? { kind: "sample", size } : undefined;
}

/** `--channels` as smoke and deploy read it, the sample by default. */
export const channelsOption = z
  .string()
  .default(`sample:${DEFAULT_CHANNEL_SAMPLE}`)
  .transform((text, ctx) => {
    const selection = parseChannelSelection(text);
    if (!selection) ctx.addIssue({ code: "custom", message: "all, or sample:<n> with n at least 1" });
    return selection ?? { kind: "all" as const };
  });

export interface ChosenChannel {
  tenant: TargetTenant;
  channel: TargetChannel;
}

/** How many channels were checked, of how many, and how they were chosen: for the summary. */
export interface ChannelCoverage {
  checked: number;
  total: number;
  kind: ChannelSelection["kind"];
}

/**
 * The channels to check, in the stack's order. A sample keeps both ends of the tenant map (the
 * first tenant's first channel and the last tenant's last, since a map cut short loses its end),
 * then draws the rest uniformly, so that successive deploys look at different channels.
 */
export function chooseChannels(
  tenants: readonly TargetTenant[],
  selection: ChannelSelection,
  random: () => number = Math.random,
): { chosen: ChosenChannel[]; coverage: ChannelCoverage } {
  const every = tenants.flatMap((tenant) => tenant.channels.map((channel) => ({ tenant, channel })));
  const coverage = (chosen: ChosenChannel[]) => ({
    checked: chosen.length,
    total: every.length,
    kind: selection.kind,
  });
  if (selection.kind === "all" || selection.size >= every.length)
    return { chosen: every, coverage: coverage(every) };
  const picked = new Set<number>([0, every.length - 1].slice(0, selection.size));
  // A partial Fisher-Yates over the indexes between the two ends.
  const middle = Array.from({ length: Math.max(0, every.length - 2) }, (_, i) => i + 1);
  for (let i = 0; picked.size < selection.size && i < middle.length; i += 1) {
    const j = i + Math.floor(random() * (middle.length - i));
    [middle[i], middle[j]] = [middle[j]!, middle[i]!];
    picked.add(middle[i]!);
  }
  const chosen = [...picked].sort((a, b) => a - b).map((i) => every[i]!);
  return { chosen, coverage: coverage(chosen) };
}

/** The summary's line about channels: how many, of how many, and how to check the rest. */
export function describeCoverage(
  coverage: ChannelCoverage,
  pace?: { limit: number; windowMs: number },
): string {
  const count = (n: number) => n.toLocaleString("en-US");
  const of = `Checked ${count(coverage.checked)} of ${count(coverage.total)} channels`;
  if (coverage.checked < coverage.total) return `${of} (sample; --channels all checks every one, paced).`;
  const paced = pace
    ? `, source reads paced at ${count(pace.limit)} per ${Math.round(pace.windowMs / 60_000)} minutes`
    : "";
  return `${of} (all${coverage.kind === "all" ? paced : ""}).`;
}
