// names.js -- the engine's names for what a run does, read from the module's enums JSON
// (ibp_w_enums: ibp.h's IBP_EVENT_LIST, IBP_REGIME_LIST, IBP_SUMMARY_FIELD_LIST): the event bits
// with their labels, the regimes in legend order, the summary fields with their labels. The page
// repeats none of them; a new event or regime in the engine shows up here by itself. Pure: the
// workers send the enums with 'ready', the page builds its names from them.

// enums: the parsed JSON ({ events: [{ bit, id, label, help }], regimes: [{ value, id, label,
// help }], summaryFields: [{ id, label, help }], ... }) -> the names, with their lookups.
export function engineNames(enums) {
  const events = Object.freeze((enums && enums.events ? enums.events : []).map((e) => Object.freeze({ ...e })));
  const regimes = Object.freeze((enums && enums.regimes ? enums.regimes : []).map((r) => Object.freeze({ ...r })));
  const fields = Object.freeze((enums && enums.summaryFields ? enums.summaryFields : []).map((f) => Object.freeze({ ...f })));
  const regimeById = new Map(regimes.map((r) => [r.id, r]));
  const fieldById = new Map(fields.map((f) => [f.id, f]));
  // A result whose regime the engine does not name is shown as the last regime (error).
  const fallback = regimes[regimes.length - 1] || Object.freeze({ id: 'error', label: 'error', help: '' });
  return Object.freeze({
    events, regimes, fields,
    fieldIds: Object.freeze(fields.map((f) => f.id)),
    regimeOf: (id) => regimeById.get(id) || fallback,
    // its place in the legend (a regime axis of a line plot)
    regimeIndex: (id) => regimes.indexOf(regimeById.get(id) || fallback),
    fieldLabel: (id) => (fieldById.has(id) ? fieldById.get(id).label : String(id)),
    isField: (id) => fieldById.has(id),
    // the events of a bitmask: [{ bit, id, label }]
    eventsOf: (bits) => events.filter((e) => (bits & e.bit) !== 0),
    // counts of each regime among cell results, in legend order: [{ id, label, help, count }]
    regimeCounts(results) {
      const n = new Map();
      for (const r of results) if (r) n.set(r.regime, (n.get(r.regime) || 0) + 1);
      return regimes.filter((g) => n.has(g.id)).map((g) => ({ ...g, count: n.get(g.id) }));
    },
  });
}
