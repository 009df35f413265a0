/* The doctor's report: a growing list of findings (doctor.h). */
#include "doctor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pt_dr_severity_name(pt_dr_severity s)
{
    switch (s) {
    case PT_DR_BREAKS: return "breaks";
    case PT_DR_WEAKENS: return "weakens";
    case PT_DR_ADVICE: return "advice";
    }
    return "advice";
}

static bool seen(const pt_dr_report *r, const char *check, const char *where)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].check, check) == 0 && strcmp(r->v[i].where, where) == 0)
            return true;
    return false;
}

void pt_dr_add(pt_dr_report *r, pt_dr_severity sev, const char *check, const char *where,
               const char *fix, const char *problem_fmt, ...)
{
    if (seen(r, check, where))
        return;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        pt_dr_finding *v = realloc(r->v, cap * sizeof *v);
        if (v == NULL) {
            r->nomem = true;
            return;
        }
        r->v = v;
        r->cap = cap;
    }
    pt_dr_finding *f = &r->v[r->n++];
    memset(f, 0, sizeof *f);
    f->severity = sev;
    snprintf(f->check, sizeof f->check, "%s", check);
    snprintf(f->where, sizeof f->where, "%s", where);
    snprintf(f->fix, sizeof f->fix, "%s", fix);
    va_list ap;
    va_start(ap, problem_fmt);
    vsnprintf(f->problem, sizeof f->problem, problem_fmt, ap);
    va_end(ap);
}

size_t pt_dr_count(const pt_dr_report *r, pt_dr_severity sev)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += r->v[i].severity == sev && !r->v[i].ignored;
    return n;
}

void pt_dr_ignore(pt_dr_report *r, const char *names)
{
    for (size_t i = 0; i < r->n; i++)
        if (pt_list_contains(names, r->v[i].check))
            r->v[i].ignored = true;
}

void pt_dr_free(pt_dr_report *r)
{
    free(r->v);
    memset(r, 0, sizeof *r);
}
