// format.js -- numbers and durations for people. Pure: no DOM; node tests import it.

// Numbers for people: never "NaN" on screen. Non-finite -> the placeholder.
export function fmt(x, digits = 4, none = '—') {
  if (typeof x !== 'number' || !Number.isFinite(x)) return none;
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) return String(Number(x.toPrecision(digits)));
  return x.toExponential(digits - 1).replace('e+', 'e');
}

// A duration in seconds as a short phrase: 4.2 s, 35 s, 12 min, 3.5 h, 2 days.
export function formatDuration(sec) {
  if (!Number.isFinite(sec) || sec < 0) return 'an unknown time';
  if (sec < 10) return `${Number(sec.toPrecision(2))} s`;
  if (sec < 90) return `${Math.round(sec)} s`;
  if (sec < 5400) return `${Number((sec / 60).toPrecision(2))} min`;
  if (sec < 48 * 3600) return `${Number((sec / 3600).toPrecision(2))} h`;
  return `${Number((sec / 86400).toPrecision(2))} days`;
}
