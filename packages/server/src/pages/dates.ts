/** A date for people, in UTC (the pages know no time zone): `2026-05-04`. */
export function day(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/** A date and time for people, in UTC: `2026-05-04 13:37 UTC`. */
export function dayAndTime(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
