import { Cron } from 'croner';

export const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
export type Day = (typeof DAYS)[number];

export interface Window {
  /** Days on which the window opens; absent: every day. */
  days?: Day[] | undefined;
  /** HH:MM, 24-hour clock. */
  start: string;
  /** HH:MM; before start: the window crosses midnight and ends the next day. */
  end: string;
}

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

/** The wall-clock day and minute of the day at `now` in the time zone, through Intl. */
function wallClock(timeZone: string, now: number): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(now));
  const part = (type: string): string => parts.find((p) => p.type === type)!.value;
  return {
    day: DAYS.indexOf(part('weekday') as Day),
    minute: Number(part('hour')) * 60 + Number(part('minute')),
  };
}

/**
 * Whether `now` is inside one of the windows, compared on the wall clock of the time zone. Start
 * is inclusive, end exclusive. A window crossing midnight belongs to the day it opens: a Fri
 * 22:00-06:00 window covers Friday night and Saturday until 06:00. No windows: always inside.
 */
export function isInsideWindow(windows: Window[] | undefined, timeZone: string, now: number): boolean {
  if (!windows || windows.length === 0) return true;
  const { day, minute } = wallClock(timeZone, now);
  const yesterday = (day + 6) % 7;
  const opensOn = (w: Window, d: number): boolean => !w.days || w.days.includes(DAYS[d]!);
  return windows.some((w) => {
    const start = minutesOf(w.start);
    const end = minutesOf(w.end);
    if (start < end) return opensOn(w, day) && minute >= start && minute < end;
    return (opensOn(w, day) && minute >= start) || (opensOn(w, yesterday) && minute < end);
  });
}

/**
 * When a window next opens after `now` (ms). An opening is a cron tick ("MM HH * * days") in the
 * time zone, so croner does the DST work: an opening inside a spring-forward gap happens when the
 * gap ends. Undefined when there are no windows.
 */
export function nextWindowOpening(
  windows: Window[] | undefined,
  timeZone: string,
  now: number,
): number | undefined {
  let next: number | undefined;
  for (const w of windows ?? []) {
    const [hh, mm] = w.start.split(':').map(Number);
    const days = w.days?.length ? w.days.join(',') : '*';
    const cron = new Cron(`${mm} ${hh} * * ${days}`, { timezone: timeZone, mode: '5-part', paused: true });
    const at = cron.nextRun(new Date(now))?.getTime();
    if (at !== undefined && (next === undefined || at < next)) next = at;
  }
  return next;
}

/** "Mon-Fri 22:00-06:00, Sat,Sun 10:00-12:00", for messages. */
export function describeWindows(windows: Window[]): string {
  return windows
    .map((w) => `${w.days?.length ? describeDays(w.days) : 'daily'} ${w.start}-${w.end}`)
    .join(', ');
}

/** Consecutive days (in Mon..Sun order) as ranges: Mon,Tue,Wed,Fri → "Mon-Wed,Fri". */
function describeDays(days: Day[]): string {
  const order = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const sorted = [...new Set(days)].map((d) => order.indexOf(d)).sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    const from = order[sorted[i]!]!;
    const to = order[sorted[j]!]!;
    ranges.push(j - i >= 2 ? `${from}-${to}` : j > i ? `${from},${to}` : from);
    i = j + 1;
  }
  return ranges.join(',');
}
