/**
 * Ends a bench that relayed media through TURN with werift, once everything is closed. werift's
 * allocation refresh loop awaits `setTimeout((5 / 6) * lifetime)` from timers/promises, which closing
 * the client cannot cancel (werift 0.24.4, lib/ice/src/turn/protocol.js `refresh`), so the process
 * would otherwise idle 500 s per allocation's default 600 s lifetime before it ends, and the
 * recorded duration with it. The CLIs end the same way (scripts/lib/cli.ts).
 */
export function exitPastTurnRefresh(): never {
  process.exit(0);
}
