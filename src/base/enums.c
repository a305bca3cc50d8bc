/* enums.c -- every list of ibp.h as one JSON object (ibp_enums_json), so that programs (the page,
 * through the module's ibp_w_enums) read codes, bits, names, labels and meanings from the engine
 * and never repeat them. Built from the X-lists themselves: they cannot drift. */
#include "base/base.h"

/* "NAME":value for a list of codes */
static void ibp__code(ibp__buf *b, int *first, const char *name, long value) {
    ibp__buf_puts(b, *first ? "" : ",");
    *first = 0;
    ibp__buf_json_str(b, name);
    ibp__buf_printf(b, ":%ld", value);
}

/* {"value":v,"id":..,"label":..,"help":..} for a described list */
static void ibp__item(ibp__buf *b, int *first, const char *vkey, long value, const char *id, const char *label,
                      const char *help) {
    ibp__buf_puts(b, *first ? "{" : ",{");
    *first = 0;
    if (vkey) ibp__buf_printf(b, "\"%s\":%ld,", vkey, value);
    ibp__buf_puts(b, "\"id\":");
    ibp__buf_json_str(b, id);
    ibp__buf_puts(b, ",\"label\":");
    ibp__buf_json_str(b, label);
    ibp__buf_puts(b, ",\"help\":");
    ibp__buf_json_str(b, help);
    ibp__buf_puts(b, "}");
}

size_t ibp_enums_json(char *buf, size_t cap) {
    ibp__buf b = {buf, cap, 0};
    int first;
    ibp__buf_puts(&b, "{\"status\":{");
    first = 1;
#define IBP__X(name, value, text) ibp__code(&b, &first, #name, value);
    IBP_STATUS_LIST(IBP__X)
    ibp__buf_puts(&b, "},\"state\":{");
    first = 1;
    IBP_RUN_STATE_LIST(IBP__X)
#undef IBP__X
    ibp__buf_puts(&b, "},\"spectrum\":{");
    first = 1;
    ibp__code(&b, &first, "IBP_SPECTRUM_TOP", IBP_SPECTRUM_TOP);
    ibp__code(&b, &first, "IBP_SPECTRUM_EXACT", IBP_SPECTRUM_EXACT);
    ibp__code(&b, &first, "IBP_SPECTRUM_DENSITY", IBP_SPECTRUM_DENSITY);
    ibp__code(&b, &first, "IBP_SPECTRUM_EXACT_MAX", IBP_SPECTRUM_EXACT_MAX);
    ibp__buf_puts(&b, "},\"sweep\":{");
    first = 1;
    ibp__code(&b, &first, "IBP_SWEEP_MAX_KEYS", IBP_SWEEP_MAX_KEYS);
    ibp__code(&b, &first, "IBP_SWEEP_MAX_VALUES", IBP_SWEEP_MAX_VALUES);
    ibp__code(&b, &first, "IBP_SWEEP_MAX_CELLS", IBP_SWEEP_MAX_CELLS);
    ibp__code(&b, &first, "IBP_SWEEP_MAX_JOB_CELLS", IBP_SWEEP_MAX_JOB_CELLS);
    ibp__buf_puts(&b, "},\"event\":{");
    first = 1;
#define IBP__X(name, bit, id, label, help) ibp__code(&b, &first, #name, bit);
    IBP_EVENT_LIST(IBP__X)
#undef IBP__X
    ibp__buf_puts(&b, "},\"events\":[");
    first = 1;
#define IBP__X(name, bit, id, label, help) ibp__item(&b, &first, "bit", bit, id, label, help);
    IBP_EVENT_LIST(IBP__X)
#undef IBP__X
    ibp__buf_puts(&b, "],\"regime\":{");
    first = 1;
#define IBP__X(name, value, id, label, help) ibp__code(&b, &first, #name, value);
    IBP_REGIME_LIST(IBP__X)
#undef IBP__X
    ibp__buf_puts(&b, "},\"regimes\":[");
    first = 1;
#define IBP__X(name, value, id, label, help) ibp__item(&b, &first, "value", value, id, label, help);
    IBP_REGIME_LIST(IBP__X)
#undef IBP__X
    ibp__buf_puts(&b, "],\"summaryFields\":[");
    first = 1;
#define IBP__X(name, label, help) ibp__item(&b, &first, NULL, 0, #name, label, help);
    IBP_SUMMARY_FIELD_LIST(IBP__X)
#undef IBP__X
    ibp__buf_puts(&b, "]}");
    return ibp__buf_finish(&b);
}
