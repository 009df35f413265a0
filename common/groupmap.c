/* The group database in memory, for commands that resolve every account (user.h). One pass over
 * getgrent_r fills two open-addressing hash tables, member name -> gids and gid -> name, so
 * resolving N accounts against G groups costs N + G rather than the N x G of calling
 * getgrouplist() per account. Group membership decides policy, so a database that cannot be read
 * to its end gives no map, and a user in too many groups an error, never a shorter list. */
#include "user.h"

#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "log.h"
#include "pt_error.h"

#define NSS_BUF_MIN 4096
#define NSS_BUF_MAX (1024 * 1024) /* as user.c: a sane upper bound for one group record */
#define TABLE_MIN 256             /* slots; a power of two, kept at most half full */

typedef struct {
    char *key;   /* the member's user name; NULL for an empty slot */
    gid_t *gids; /* every group listing the user, each gid once, in database order */
    size_t n, cap;
    bool over; /* more than PT_GROUPS_MAX distinct gids: the user fails closed */
} member_slot;

typedef struct {
    char *name; /* NULL for an empty slot */
    gid_t gid;
} gid_slot;

struct pt_groupmap {
    member_slot *members;
    size_t mcap, mcount;
    gid_slot *gids;
    size_t gcap, gcount;
};

/* FNV-1a: the keys come from the group database, which only root writes. */
static size_t hash_name(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)h;
}

static size_t hash_gid(gid_t g)
{
    uint64_t h = (uint64_t)g * 0x9E3779B97F4A7C15ULL; /* Fibonacci hashing: spreads close ids */
    return (size_t)(h ^ (h >> 32));
}

static member_slot *member_find(member_slot *t, size_t cap, const char *key)
{
    size_t i = hash_name(key) & (cap - 1);
    while (t[i].key && strcmp(t[i].key, key) != 0)
        i = (i + 1) & (cap - 1);
    return &t[i];
}

static gid_slot *gid_find(gid_slot *t, size_t cap, gid_t gid)
{
    size_t i = hash_gid(gid) & (cap - 1);
    while (t[i].name && t[i].gid != gid)
        i = (i + 1) & (cap - 1);
    return &t[i];
}

/* Doubles a table once it is half full, so probes stay short. */
static int members_grow(pt_groupmap *m)
{
    if ((m->mcount + 1) * 2 <= m->mcap)
        return PT_OK;
    size_t cap = m->mcap * 2;
    member_slot *t = calloc(cap, sizeof *t);
    if (!t)
        return PT_ERR_NOMEM;
    for (size_t i = 0; i < m->mcap; i++)
        if (m->members[i].key)
            *member_find(t, cap, m->members[i].key) = m->members[i];
    free(m->members);
    m->members = t;
    m->mcap = cap;
    return PT_OK;
}

static int gids_grow(pt_groupmap *m)
{
    if ((m->gcount + 1) * 2 <= m->gcap)
        return PT_OK;
    size_t cap = m->gcap * 2;
    gid_slot *t = calloc(cap, sizeof *t);
    if (!t)
        return PT_ERR_NOMEM;
    for (size_t i = 0; i < m->gcap; i++)
        if (m->gids[i].name)
            *gid_find(t, cap, m->gids[i].gid) = m->gids[i];
    free(m->gids);
    m->gids = t;
    m->gcap = cap;
    return PT_OK;
}

/* gid -> name; the first entry of a gid wins, as getgrgid() answers. */
static int add_gid_name(pt_groupmap *m, gid_t gid, const char *name)
{
    if (gid_find(m->gids, m->gcap, gid)->name)
        return PT_OK;
    if (gids_grow(m) != PT_OK)
        return PT_ERR_NOMEM;
    gid_slot *s = gid_find(m->gids, m->gcap, gid);
    s->name = strdup(name);
    if (!s->name)
        return PT_ERR_NOMEM;
    s->gid = gid;
    m->gcount++;
    return PT_OK;
}

static int member_add_gid(member_slot *s, gid_t gid)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->gids[i] == gid)
            return PT_OK;
    if (s->over)
        return PT_OK;
    if (s->n == PT_GROUPS_MAX) {
        s->over = true; /* kept as a mark only: the user's lookup fails */
        return PT_OK;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        gid_t *g = realloc(s->gids, cap * sizeof *g);
        if (!g)
            return PT_ERR_NOMEM;
        s->gids = g;
        s->cap = cap;
    }
    s->gids[s->n++] = gid;
    return PT_OK;
}

static int add_member(pt_groupmap *m, const char *user, gid_t gid)
{
    /* A name pt_user cannot hold matches no account we resolve. */
    if (user[0] == '\0' || strnlen(user, PT_USER_MAX) >= PT_USER_MAX)
        return PT_OK;
    member_slot *s = member_find(m->members, m->mcap, user);
    if (!s->key) {
        if (members_grow(m) != PT_OK)
            return PT_ERR_NOMEM;
        s = member_find(m->members, m->mcap, user);
        s->key = strdup(user);
        if (!s->key)
            return PT_ERR_NOMEM;
        m->mcount++;
    }
    return member_add_gid(s, gid);
}

static int add_group(pt_groupmap *m, const struct group *gr)
{
    int rc = gr->gr_name ? add_gid_name(m, gr->gr_gid, gr->gr_name) : PT_OK;
    for (char **mem = gr->gr_mem; rc == PT_OK && mem && *mem; mem++)
        rc = add_member(m, *mem, gr->gr_gid);
    return rc;
}

/* Every entry of the group database into m. getgrent_r reports the end as ENOENT and a record
 * larger than the buffer as ERANGE (the same record again with a larger one). */
static int read_all(pt_groupmap *m)
{
    size_t bufsz = NSS_BUF_MIN;
    char *buf = malloc(bufsz);
    int rc = buf ? PT_OK : PT_ERR_NOMEM;

    setgrent();
    while (rc == PT_OK) {
        struct group gr, *res = NULL;
        int err = getgrent_r(&gr, buf, bufsz, &res);
        if (err == 0 && res) {
            rc = add_group(m, res);
        } else if (err == ENOENT) {
            break;
        } else if (err == ERANGE && bufsz < NSS_BUF_MAX) {
            char *grown = realloc(buf, bufsz * 2);
            if (!grown)
                rc = PT_ERR_NOMEM;
            else
                buf = grown, bufsz *= 2;
        } else {
            pt_log(LOG_ERR, "cannot read the group database: %s; check /etc/group and "
                            "/etc/nsswitch.conf",
                   err == ERANGE ? "a group entry is over 1 MiB" : strerror(err ? err : EIO));
            rc = PT_ERR_IO;
        }
    }
    endgrent();
    free(buf);
    return rc;
}

int pt_groupmap_load(pt_groupmap **out)
{
    if (!out)
        return PT_ERR_INVAL;
    *out = NULL;
    pt_groupmap *m = calloc(1, sizeof *m);
    if (!m)
        return PT_ERR_NOMEM;
    m->members = calloc(TABLE_MIN, sizeof *m->members);
    m->gids = calloc(TABLE_MIN, sizeof *m->gids);
    m->mcap = m->gcap = TABLE_MIN;
    int rc = m->members && m->gids ? read_all(m) : PT_ERR_NOMEM;
    if (rc != PT_OK) {
        if (rc == PT_ERR_NOMEM)
            pt_log(LOG_ERR, "out of memory reading the group database");
        pt_groupmap_free(m);
        return rc;
    }
    *out = m;
    return PT_OK;
}

void pt_groupmap_free(pt_groupmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; m->members && i < m->mcap; i++) {
        free(m->members[i].key);
        free(m->members[i].gids);
    }
    for (size_t i = 0; m->gids && i < m->gcap; i++)
        free(m->gids[i].name);
    free(m->members);
    free(m->gids);
    free(m);
}

/* Appends gid's name, when the gid has a group entry. */
static int push_name(pt_user *u, const pt_groupmap *m, gid_t gid)
{
    const gid_slot *s = gid_find(m->gids, m->gcap, gid);
    if (!s->name)
        return PT_OK;
    char *name = strdup(s->name);
    if (!name)
        return PT_ERR_NOMEM;
    u->groups[u->ngroups++] = name;
    return PT_OK;
}

int pt_groupmap_gids(const pt_groupmap *m, const char *name, gid_t gid, gid_t **out, int *count)
{
    if (!out || !count)
        return PT_ERR_INVAL;
    *out = NULL;
    *count = 0;
    if (!m || !name)
        return PT_ERR_INVAL;
    const member_slot *s = member_find(m->members, m->mcap, name);
    size_t n = 1; /* the primary group */
    for (size_t i = 0; s->key && i < s->n; i++)
        n += s->gids[i] != gid;
    if ((s->key && s->over) || n > PT_GROUPS_MAX) {
        char q[PT_AUDIT_NAME_MAX];
        pt_log(LOG_ERR, "user %s: in more than %d groups (or the group list is unreadable)",
               pt_audit_value(q, sizeof q, name),
               PT_GROUPS_MAX);
        return PT_ERR_INVAL;
    }
    gid_t *g = calloc(n, sizeof *g);
    if (!g)
        return PT_ERR_NOMEM;
    size_t k = 0;
    g[k++] = gid;
    for (size_t i = 0; s->key && i < s->n; i++)
        if (s->gids[i] != gid)
            g[k++] = s->gids[i];
    *out = g;
    *count = (int)k;
    return PT_OK;
}

/* The gids go to u->gids too, so acting as the user (pt_privs_drop_user) repeats no lookup. */
static int fill_groups(pt_user *u, const pt_groupmap *m)
{
    int rc = pt_groupmap_gids(m, u->name, u->gid, &u->gids, &u->ngids);
    if (rc != PT_OK)
        return rc;
    u->groups = calloc((size_t)u->ngids + 1, sizeof *u->groups);
    if (!u->groups)
        rc = PT_ERR_NOMEM;
    for (int i = 0; rc == PT_OK && i < u->ngids; i++)
        rc = push_name(u, m, u->gids[i]);
    return rc;
}

int pt_user_from_passwd_map(pt_user *u, const pt_groupmap *m, const char *name, uid_t uid,
                            gid_t gid, const char *home, const char *shell)
{
    int rc = m ? pt_user_init(u, name, uid, gid, home, shell) : PT_ERR_INVAL;
    if (rc == PT_OK)
        rc = fill_groups(u, m);
    if (rc != PT_OK && u)
        pt_user_free(u);
    return rc;
}
