/**
 * The rotation period a date falls in: its ISO 8601 week (`2026-W48`), the schedule's unit. A
 * rotation that succeeded in a period is not repeated in it.
 */
export function isoWeek(date: Date): string {
  // The ISO week belongs to the year of its Thursday.
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** Periods are free-form labels (`2026-W48`, `2026-11`, `incident-42`), kept to one safe shape. */
export const PERIOD_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
