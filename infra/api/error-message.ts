/** What an error says, for a report or a log line: its message, or the thrown value itself when it is not an Error. */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
