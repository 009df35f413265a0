/* Several named devices (authenticators) in one enrolment (enrolment.h). */
#include "enrolment.h"

#include <string.h>
#include <strings.h>

#include "pt_error.h"

static bool name_char(char c, bool first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return !first && (c == '.' || c == '_' || c == '-');
}

bool pt_device_name_ok(const char *name)
{
    if (name == NULL)
        return false;
    size_t n = strnlen(name, PT_DEVICE_NAME_MAX + 1);
    if (n == 0 || n > PT_DEVICE_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!name_char(name[i], i == 0))
            return false;
    return true;
}

int pt_device_find(const pt_enrolment *e, const char *name)
{
    for (unsigned i = 0; name != NULL && i < e->ndevices; i++)
        if (strcasecmp(e->dev[i].name, name) == 0)
            return (int)i;
    return -1;
}

int pt_device_pending(const pt_enrolment *e)
{
    for (unsigned i = 0; i < e->ndevices; i++)
        if (e->dev[i].status == PT_ENROL_PENDING)
            return (int)i;
    return -1;
}

unsigned pt_device_active_count(const pt_enrolment *e)
{
    unsigned n = 0;
    for (unsigned i = 0; i < e->ndevices; i++)
        n += e->dev[i].status == PT_ENROL_ACTIVE;
    return n;
}

int pt_device_add(pt_enrolment *e, const pt_device *d)
{
    if (pt_device_find(e, d->name) >= 0)
        return PT_ERR_EXISTS;
    if (e->ndevices >= PT_DEVICES_MAX)
        return PT_ERR_TOOBIG;
    e->dev[e->ndevices++] = *d;
    return PT_OK;
}

void pt_device_remove(pt_enrolment *e, unsigned i)
{
    if (i >= e->ndevices)
        return;
    for (unsigned j = i; j + 1 < e->ndevices; j++)
        e->dev[j] = e->dev[j + 1];
    e->ndevices--;
    pt_wipe(&e->dev[e->ndevices], sizeof e->dev[e->ndevices]);
}

unsigned pt_enrolment_digits(const pt_enrolment *e)
{
    for (unsigned i = 0; i < e->ndevices; i++)
        if (e->dev[i].status == PT_ENROL_ACTIVE)
            return e->dev[i].digits;
    return e->ndevices > 0 ? e->dev[0].digits : 6;
}
