/* Options: defaults, the key=value setter, module arguments, the config file loader and its
 * refusals, template expansion and lists. The file tests need root (the file must be
 * root-owned), which holds in CI. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"
#include "pt_error.h"

/* ---- captured diagnostics ---- */

static char last_msg[4096];
static int nmsgs;

static void capture(void *ctx, pt_log_kind kind, int priority, const char *msg)
{
    (void)ctx;
    (void)kind;
    (void)priority;
    snprintf(last_msg, sizeof last_msg, "%s", msg);
    nmsgs++;
}

static void clear_msgs(void)
{
    last_msg[0] = '\0';
    nmsgs = 0;
}

#define assert_msg_has(s)                                                                      \
    do {                                                                                       \
        if (!strstr(last_msg, (s)))                                                            \
            fail_msg("message \"%s\" lacks \"%s\"", last_msg, (s));                            \
    } while (0)

/* ---- a private directory for config files ---- */

static char dir[64];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pt-test-config-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    pt_log_set_sink(capture, NULL);
    clear_msgs();
    return 0;
}

static int teardown_dir(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", dir);
    pt_log_set_sink(NULL, NULL);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes dir/name with exactly len bytes and the given mode; returns the path (static). */
static const char *write_file(const char *name, const char *data, size_t len, mode_t mode)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
    return path;
}

static const char *write_conf(const char *text)
{
    return write_file("pam_totp.conf", text, strlen(text), 0644);
}

static void require_root(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "the config file tests need root (the file must be root-owned)\n");
        exit(77);
    }
}

/* ---- defaults ---- */

static void test_defaults(void **state)
{
    pt_options o;
    (void)state;
    pt_options_defaults(&o);
    assert_int_equal(o.mfa, PT_MFA_OPTIONAL);
    assert_string_equal(o.admin_groups, "sudo wheel");
    assert_string_equal(o.require_groups, "");
    assert_string_equal(o.require_users, "");
    assert_string_equal(o.trusted_networks, "");
    assert_int_equal(o.remember_host, 0);
    assert_string_equal(o.exempt_users, "");
    assert_string_equal(o.exempt_groups, "");
    assert_int_equal(o.enrol_grace_days, 0);
    assert_false(o.enrol_at_login);
    assert_string_equal(o.issuer, "");
    assert_string_equal(o.label, "%u@%H");
    assert_int_equal(o.algorithm, PT_ALG_SHA1);
    assert_int_equal(o.digits, 6);
    assert_int_equal(o.period, 30);
    assert_int_equal(o.window, 1);
    assert_int_equal(o.backup_codes, 10);
    assert_int_equal(o.deny, 5);
    assert_int_equal(o.fail_interval, 900);
    assert_int_equal(o.unlock_time, 600);
    assert_string_equal(o.enrolment_file, "%h/.pam_totp");
    assert_string_equal(o.state_dir, "/var/lib/pam_totp");
    assert_int_equal(o.pending_ttl, 600);
    assert_false(o.debug || o.silent || o.use_first_pass || o.try_first_pass || o.forward_pass);
    assert_string_equal(o.config_path, PT_DEFAULT_CONFIG);
    assert_false(pt_options_system_mode(&o));
}

/* ---- every key with a good value ---- */

static void set_ok(pt_options *o, const char *key, const char *value)
{
    clear_msgs();
    if (pt_options_set(o, key, value, "test", true) != PT_OK)
        fail_msg("%s = %s refused: %s", key, value, last_msg);
    assert_int_equal(nmsgs, 0);
}

static void test_every_key_good(void **state)
{
    pt_options o;
    (void)state;
    pt_options_defaults(&o);

    set_ok(&o, "mfa", "disabled");
    assert_int_equal(o.mfa, PT_MFA_DISABLED);
    set_ok(&o, "mfa", "required_for_admins");
    assert_int_equal(o.mfa, PT_MFA_REQUIRED_FOR_ADMINS);
    set_ok(&o, "mfa", "required");
    assert_int_equal(o.mfa, PT_MFA_REQUIRED);
    set_ok(&o, "mfa", "optional");
    assert_int_equal(o.mfa, PT_MFA_OPTIONAL);
    set_ok(&o, "admin_groups", "adm, staff");
    assert_string_equal(o.admin_groups, "adm, staff");
    set_ok(&o, "require_groups", "ops");
    assert_string_equal(o.require_groups, "ops");
    set_ok(&o, "require_users", "alice, bob");
    assert_string_equal(o.require_users, "alice, bob");
    set_ok(&o, "trusted_networks", "10.0.0.0/8, 192.168.1.7 2001:db8::/32 ::ffff:172.16.0.0/108");
    assert_string_equal(o.trusted_networks,
                        "10.0.0.0/8, 192.168.1.7 2001:db8::/32 ::ffff:172.16.0.0/108");
    set_ok(&o, "trusted_networks", "");
    assert_string_equal(o.trusted_networks, "");
    set_ok(&o, "remember_host", "28800");
    assert_int_equal(o.remember_host, 28800);
    set_ok(&o, "issuer", "ACME Prod & Co. #1 (éa) 100%+/?=");
    set_ok(&o, "label", "%u at %H");
    set_ok(&o, "exempt_users", "svc-backup deploy");
    assert_string_equal(o.exempt_users, "svc-backup deploy");
    set_ok(&o, "exempt_groups", "robots");
    assert_string_equal(o.exempt_groups, "robots");
    set_ok(&o, "admin_groups", "");
    assert_string_equal(o.admin_groups, "");
    set_ok(&o, "enrol_grace_days", "7");
    assert_int_equal(o.enrol_grace_days, 7);
    set_ok(&o, "enrol_grace_days", "3650");
    assert_int_equal(o.enrol_grace_days, 3650);
    set_ok(&o, "enrol_at_login", "yes");
    assert_true(o.enrol_at_login);
    set_ok(&o, "enrol_at_login", "off");
    assert_false(o.enrol_at_login);
    set_ok(&o, "issuer", "Example Corp");
    assert_string_equal(o.issuer, "Example Corp");
    set_ok(&o, "label", "%u at %H (%%)");
    assert_string_equal(o.label, "%u at %H (%%)");
    set_ok(&o, "algorithm", "sha256");
    assert_int_equal(o.algorithm, PT_ALG_SHA256);
    set_ok(&o, "algorithm", "sha512");
    assert_int_equal(o.algorithm, PT_ALG_SHA512);
    set_ok(&o, "algorithm", "sha1");
    assert_int_equal(o.algorithm, PT_ALG_SHA1);
    set_ok(&o, "digits", "8");
    assert_int_equal(o.digits, 8);
    set_ok(&o, "digits", "6");
    assert_int_equal(o.digits, 6);
    set_ok(&o, "period", "60");
    assert_int_equal(o.period, 60);
    set_ok(&o, "period", "010");
    assert_int_equal(o.period, 10);
    set_ok(&o, "window", "0");
    assert_int_equal(o.window, 0);
    set_ok(&o, "window", "10");
    assert_int_equal(o.window, 10);
    set_ok(&o, "backup_codes", "0");
    assert_int_equal(o.backup_codes, 0);
    set_ok(&o, "backup_codes", "100");
    assert_int_equal(o.backup_codes, 100);
    set_ok(&o, "deny", "3");
    assert_int_equal(o.deny, 3);
    set_ok(&o, "fail_interval", "604800");
    assert_int_equal(o.fail_interval, 604800);
    set_ok(&o, "unlock_time", "0");
    assert_int_equal(o.unlock_time, 0);
    set_ok(&o, "enrolment_file", "/var/lib/pam_totp/enrol/%u");
    assert_string_equal(o.enrolment_file, "/var/lib/pam_totp/enrol/%u");
    assert_true(pt_options_system_mode(&o));
    set_ok(&o, "enrolment_file", "%h/.config/pam_totp");
    assert_false(pt_options_system_mode(&o));
    set_ok(&o, "state_dir", "/srv/totp-state");
    assert_string_equal(o.state_dir, "/srv/totp-state");
    set_ok(&o, "pending_ttl", "60");
    assert_int_equal(o.pending_ttl, 60);
    set_ok(&o, "pending_ttl", "86400");
    assert_int_equal(o.pending_ttl, 86400);
}

static void test_booleans(void **state)
{
    static const char *const yes[] = {"yes", "true", "1", "on", "YES", "True"};
    static const char *const no[] = {"no", "false", "0", "off", "No", "OFF"};
    pt_options o;
    (void)state;
    pt_options_defaults(&o);
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        o.enrol_at_login = false;
        set_ok(&o, "enrol_at_login", yes[i]);
        assert_true(o.enrol_at_login);
        set_ok(&o, "enrol_at_login", no[i]);
        assert_false(o.enrol_at_login);
    }
}

/* ---- every key with bad values: refused, o unchanged, message names where, key, accepted ---- */

static const struct {
    const char *key, *value, *says;
} bad[] = {
    {"mfa", "always", "must be disabled, optional, required_for_admins or required"},
    {"mfa", "", "must be disabled"},
    {"mfa", "Required", "must be disabled"},
    {"admin_groups", "wheel\tsudo\n", "control characters"},
    {"require_groups", "a\x01", "control characters"},
    {"exempt_users", "bob\x7f", "control characters"},
    {"exempt_groups", "x\ny", "control characters"},
    {"enrol_grace_days", "3651", "from 0 to 3650"},
    {"enrol_grace_days", "-1", "from 0 to 3650"},
    {"enrol_at_login", "maybe", "must be yes or no"},
    {"enrol_at_login", "", "must be yes or no"},
    {"issuer", "a\rb", "control characters"},
    {"label", "%x@%H", "unknown % sequence"},
    {"label", "user%", "unknown % sequence"},
    {"algorithm", "md5", "must be sha1, sha256 or sha512"},
    {"algorithm", "SHA-1", "must be sha1, sha256 or sha512"},
    {"digits", "7", "must be 6 or 8"},
    {"digits", "06x", "must be 6 or 8"},
    {"period", "9", "from 10 to 300"},
    {"period", "301", "from 10 to 300"},
    {"period", "+30", "from 10 to 300"},
    {"period", " 30", "from 10 to 300"},
    {"period", "0x1e", "from 10 to 300"},
    {"period", "30s", "from 10 to 300"},
    {"window", "11", "from 0 to 10"},
    {"window", "99999999999999999999", "from 0 to 10"},
    {"window", "4294967297", "from 0 to 10"},
    {"backup_codes", "101", "from 0 to 100"},
    {"deny", "0", "from 1 to 1000"},
    {"deny", "1001", "from 1 to 1000"},
    {"fail_interval", "0", "from 1 to 604800"},
    {"fail_interval", "604801", "from 1 to 604800"},
    {"unlock_time", "-5", "from 0 to"},
    {"unlock_time", "31536001", "from 0 to 31536000"},
    {"enrolment_file", ".pam_totp", "must be an absolute path or start with %h/"},
    {"enrolment_file", "%u/.pam_totp", "must be an absolute path or start with %h/"},
    {"enrolment_file", "%h.pam_totp", "must be an absolute path or start with %h/"},
    {"enrolment_file", "/var/lib/pam_totp/shared", "must contain %u"},
    {"enrolment_file", "%h/../x", "'..'"},
    {"enrolment_file", "/var/lib/%q/%u", "unknown % sequence"},
    {"enrolment_file", "%h/dir/", "must name a file"},
    {"state_dir", "var/lib/pam_totp", "must be an absolute path"},
    {"state_dir", "/var/lib/%u", "without % sequences"},
    {"state_dir", "/var/lib/../tmp", "'..'"},
    {"pending_ttl", "59", "from 60 to 86400"},
    {"pending_ttl", "86401", "from 60 to 86400"},
    {"require_users", "bob\x01", "control characters"},
    {"issuer", "ACME: Prod", "must not contain a colon"},
    {"issuer", ":", "must not contain a colon"},
    {"label", "%u:%H", "must not contain a colon"},
    {"label", "a:b", "must not contain a colon"},
    {"trusted_networks", "10.0.0.0/33", "\"10.0.0.0/33\": the prefix length after / must be a number from 0 to 32"},
    {"trusted_networks", "300.1.1.1/8", "\"300.1.1.1/8\": not a numeric IPv4 or IPv6 address"},
    {"trusted_networks", "192.0.2.0/24 junk", "\"junk\": not a numeric"},
    {"trusted_networks", "2001:db8::/129", "from 0 to 128 for IPv6"},
    {"trusted_networks", "10.0.0.0/-1", "from 0 to 32"},
    {"trusted_networks", "10.0.0.0/", "from 0 to 32"},
    {"trusted_networks", "10.0.0.0/08", "from 0 to 32"},
    {"trusted_networks", "10.0.0.0/8/8", "from 0 to 32"},
    {"trusted_networks", "/8", "not a numeric"},
    {"trusted_networks", "10.1/16", "not a numeric"},
    {"trusted_networks", "office.example.com", "names are not allowed"},
    {"trusted_networks", "fe80::%eth0/64", "zone"},
    {"trusted_networks", "[::1]/128", "not a numeric"},
    {"remember_host", "2678401", "from 0 to 2678400"},
    {"remember_host", "1h", "from 0 to 2678400"},
};

static void test_every_key_bad(void **state)
{
    pt_options o, before;
    char where[64];
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pt_options_defaults(&o);
        before = o;
        snprintf(where, sizeof where, "/etc/x.conf:%zu", i + 1);
        clear_msgs();
        int rc = pt_options_set(&o, bad[i].key, bad[i].value, where, true);
        if (rc != PT_ERR_INVAL)
            fail_msg("%s = \"%s\" was accepted", bad[i].key, bad[i].value);
        assert_memory_equal(&o, &before, sizeof o);
        assert_int_equal(nmsgs, 1);
        assert_msg_has(where);
        assert_msg_has(bad[i].key);
        assert_msg_has(bad[i].says);
        /* Whatever the value held, the message is one line. */
        assert_null(strchr(last_msg, '\n'));
    }
}

static void test_every_key_has_a_bad_value(void **state)
{
    static const char *const keys[] = {
        "mfa", "admin_groups", "require_groups", "exempt_users", "exempt_groups",
        "enrol_grace_days", "enrol_at_login", "issuer", "label", "algorithm", "digits", "period",
        "window", "backup_codes", "deny", "fail_interval", "unlock_time", "enrolment_file",
        "state_dir", "pending_ttl", "require_users", "trusted_networks", "remember_host"};
    (void)state;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        bool found = false;
        for (size_t i = 0; i < sizeof bad / sizeof bad[0] && !found; i++)
            found = strcmp(bad[i].key, keys[k]) == 0;
        if (!found)
            fail_msg("no bad value tested for %s", keys[k]);
    }
}

static void test_too_long_values(void **state)
{
    pt_options o, before;
    char big[PATH_MAX + 16];
    (void)state;
    pt_options_defaults(&o);
    before = o;
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    clear_msgs();
    assert_int_equal(pt_options_set(&o, "issuer", big, "test", true), PT_ERR_INVAL);
    assert_msg_has("too long (at most 255 characters)");
    assert_int_equal(pt_options_set(&o, "admin_groups", big, "test", true), PT_ERR_INVAL);
    assert_msg_has("too long (at most 1023 characters)");
    big[0] = '/';
    assert_int_equal(pt_options_set(&o, "state_dir", big, "test", true), PT_ERR_INVAL);
    assert_msg_has("too long");
    /* The quoted value is cut in the message. */
    assert_true(strlen(last_msg) < 400);
    assert_memory_equal(&o, &before, sizeof o);
    /* Exactly the capacity minus the NUL fits. */
    big[0] = 'a';
    big[PT_TEXT_MAX - 1] = '\0';
    set_ok(&o, "issuer", big);
    assert_int_equal(strlen(o.issuer), PT_TEXT_MAX - 1);
}

static void test_unknown_key(void **state)
{
    pt_options o, before;
    (void)state;
    pt_options_defaults(&o);
    before = o;
    clear_msgs();
    assert_int_equal(pt_options_set(&o, "digit", "6", "/etc/x.conf:3", true), PT_ERR_INVAL);
    assert_msg_has("/etc/x.conf:3");
    assert_msg_has("unknown key \"digit\"");
    assert_int_equal(pt_options_set(&o, "", "6", "here", false), PT_ERR_INVAL);
    assert_int_equal(pt_options_set(&o, NULL, "6", "here", false), PT_ERR_INVAL);
    assert_int_equal(pt_options_set(&o, "digits", NULL, "here", false), PT_ERR_INVAL);
    assert_memory_equal(&o, &before, sizeof o);
}

static void test_arg_only_keys(void **state)
{
    static const char *const flags[] = {"debug", "silent", "use_first_pass", "try_first_pass",
                                        "forward_pass"};
    pt_options o;
    (void)state;
    pt_options_defaults(&o);
    for (size_t i = 0; i < 5; i++) {
        clear_msgs();
        assert_int_equal(pt_options_set(&o, flags[i], "yes", "/etc/x.conf:9", true), PT_ERR_INVAL);
        assert_msg_has("/etc/x.conf:9");
        assert_msg_has(flags[i]);
        assert_msg_has("only allowed as a module argument");
        assert_int_equal(pt_options_set_arg(&o, flags[i]), PT_OK);
    }
    assert_true(o.debug && o.silent && o.use_first_pass && o.try_first_pass && o.forward_pass);
    clear_msgs();
    assert_int_equal(pt_options_set(&o, "config", "/etc/other.conf", "/etc/x.conf:2", true),
                     PT_ERR_INVAL);
    assert_msg_has("only allowed as a module argument");
    assert_int_equal(pt_options_set_arg(&o, "config=/etc/other.conf"), PT_OK);
    assert_string_equal(o.config_path, "/etc/other.conf");
    assert_int_equal(pt_options_set_arg(&o, "config=relative.conf"), PT_ERR_INVAL);
    assert_msg_has("must be an absolute path");
    assert_string_equal(o.config_path, "/etc/other.conf");
}

static void test_set_arg(void **state)
{
    pt_options o;
    (void)state;
    pt_options_defaults(&o);
    assert_int_equal(pt_options_set_arg(&o, "mfa=required"), PT_OK);
    assert_int_equal(o.mfa, PT_MFA_REQUIRED);
    assert_int_equal(pt_options_set_arg(&o, "issuer=A = B"), PT_OK);
    assert_string_equal(o.issuer, "A = B");
    assert_int_equal(pt_options_set_arg(&o, "debug=no"), PT_OK);
    assert_false(o.debug);
    clear_msgs();
    assert_int_equal(pt_options_set_arg(&o, "digits=7"), PT_ERR_INVAL);
    assert_msg_has("module argument: digits = 7: must be 6 or 8");
    assert_int_equal(pt_options_set_arg(&o, "nosuch"), PT_ERR_INVAL);
    assert_msg_has("not a flag");
    assert_int_equal(pt_options_set_arg(&o, "mfa"), PT_ERR_INVAL); /* a key, not a flag */
    assert_int_equal(pt_options_set_arg(&o, "=yes"), PT_ERR_INVAL);
    assert_int_equal(pt_options_set_arg(&o, "nosuch=1"), PT_ERR_INVAL);
    assert_msg_has("unknown key \"nosuch\"");
    assert_int_equal(pt_options_set_arg(&o, NULL), PT_ERR_INVAL);
    assert_int_equal(o.mfa, PT_MFA_REQUIRED);
}

/* ---- the file ---- */

static void test_file_good(void **state)
{
    pt_options o;
    (void)state;
    require_root();
    const char *path = write_conf("# site policy\n"
                                  "\n"
                                  "mfa = required_for_admins\n"
                                  "   # indented comment\n"
                                  "admin_groups=adm sudo\n"
                                  "\tdigits\t=\t8\t\n"
                                  "issuer = Example Corp   \n"
                                  "label =\n"
                                  "enrol_grace_days = 3\n"
                                  "enrolment_file = /var/lib/pam_totp/enrol/%u\n"
                                  "window = 2"); /* no final newline */
    pt_options_defaults(&o);
    clear_msgs();
    assert_int_equal(pt_options_load_file(&o, path), PT_OK);
    assert_int_equal(o.mfa, PT_MFA_REQUIRED_FOR_ADMINS);
    assert_string_equal(o.admin_groups, "adm sudo");
    assert_int_equal(o.digits, 8);
    assert_string_equal(o.issuer, "Example Corp");
    assert_string_equal(o.label, "");
    assert_int_equal(o.enrol_grace_days, 3);
    assert_string_equal(o.enrolment_file, "/var/lib/pam_totp/enrol/%u");
    assert_int_equal(o.window, 2);
    assert_int_equal(o.period, 30); /* untouched keys keep their defaults */
}

static void test_file_empty(void **state)
{
    pt_options o, before;
    (void)state;
    require_root();
    const char *path = write_conf("");
    pt_options_defaults(&o);
    before = o;
    assert_int_equal(pt_options_load_file(&o, path), PT_OK);
    assert_memory_equal(&o, &before, sizeof o);
}

/* Loads text expecting rc; the message must contain says; o must be the defaults (load_bad
 * starts from them; test_file_bad_resets starts elsewhere). */
static void load_bad(const char *text, size_t len, int want_rc, const char *says)
{
    pt_options o, before;
    const char *path = write_file("pam_totp.conf", text, len, 0644);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    pt_options_defaults(&o);
    before = o;
    clear_msgs();
    int rc = pt_options_load_file(&o, p);
    if (rc != want_rc)
        fail_msg("rc %d, wanted %d, for %s (%s)", rc, want_rc, says, last_msg);
    assert_memory_equal(&o, &before, sizeof o);
    assert_true(nmsgs >= 1);
    assert_msg_has(p);
    assert_msg_has(says);
}

#define LOAD_BAD(text, rc, says) load_bad((text), sizeof(text) - 1, (rc), (says))

/* A bad line after good ones, over options that are not the defaults: the lines before it
 * were applied in place, and none of them (nor what o held) may survive the error. */
static void test_file_bad_resets(void **state)
{
    pt_options o, d;
    (void)state;
    require_root();
    const char *path = write_conf("window = 4\nissuer = Half Applied\ndigits = 7\n");
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    pt_options_defaults(&o);
    pt_options_defaults(&d);
    assert_int_equal(pt_options_set(&o, "period", "60", "test", true), PT_OK);
    assert_int_equal(pt_options_set(&o, "admin_groups", "ops", "test", true), PT_OK);
    clear_msgs();
    assert_int_equal(pt_options_load_file(&o, p), PT_ERR_INVAL);
    assert_msg_has(":3");
    assert_memory_equal(&o, &d, sizeof o);
}

/* config= names a bad file: the path the messages name lives in o itself (config_path), which
 * the reset rewrites, so the message must be complete before it. */
static void test_load_bad_config_arg(void **state)
{
    pt_options o, d;
    char arg[PATH_MAX + 16], p[PATH_MAX];
    (void)state;
    require_root();
    snprintf(p, sizeof p, "%s", write_conf("window = 2\nwindow = 3\n"));
    snprintf(arg, sizeof arg, "config=%s", p);
    const char *argv[] = {arg, "issuer=Arg"};
    clear_msgs();
    assert_int_equal(pt_options_load(&o, 2, argv), PT_ERR_MALFORMED);
    assert_msg_has(p);
    assert_msg_has("window is set twice");
    pt_options_defaults(&d);
    assert_memory_equal(&o, &d, sizeof o);
}

static void test_file_bad_lines(void **state)
{
    (void)state;
    require_root();
    /* A good line before a bad one is not applied either: the whole load fails. */
    LOAD_BAD("mfa = required\n\ndigits = 7\n", PT_ERR_INVAL, ":3: digits = 7: must be 6 or 8");
    LOAD_BAD("mfa = required\nfrobnicate = 1\n", PT_ERR_INVAL, ":2: unknown key \"frobnicate\"");
    LOAD_BAD("mfa = required\n# office\ntrusted_networks = 10.0.0.0/8 10.0.0.0/33\n", PT_ERR_INVAL,
             ":3: trusted_networks = 10.0.0.0/8 10.0.0.0/33: \"10.0.0.0/33\"");
    LOAD_BAD("issuer = ACME: Prod\n", PT_ERR_INVAL, ":1: issuer = ACME: Prod: must not contain a colon");
    LOAD_BAD("# c\nmfa required\n", PT_ERR_MALFORMED, ":2: expected \"key = value\"");
    LOAD_BAD("= 5\n", PT_ERR_MALFORMED, ":1: expected");
    LOAD_BAD("Digits = 6\n", PT_ERR_MALFORMED, ":1: expected");
    LOAD_BAD("digits = 6 # six\n", PT_ERR_INVAL, ":1: digits = 6 # six: must be 6 or 8");
    LOAD_BAD("window = 1\nwindow = 2\n", PT_ERR_MALFORMED, ":2: window is set twice (first on line 1)");
    LOAD_BAD("debug = yes\n", PT_ERR_INVAL, ":1: debug: only allowed as a module argument");
    LOAD_BAD("config = /etc/x\n", PT_ERR_INVAL, ":1: config: only allowed as a module argument");
    LOAD_BAD("mfa = required\r\ndigits = 6\r\n", PT_ERR_MALFORMED, ":1: carriage return");
    LOAD_BAD("mfa = required\ndigits = 6\r\n", PT_ERR_MALFORMED, ":2: carriage return");
}

static void test_file_nul(void **state)
{
    pt_options o, before;
    static const char text[] = "mfa = required\n\0digits = 6\n";
    (void)state;
    require_root();
    const char *path = write_file("nul.conf", text, sizeof text - 1, 0644);
    pt_options_defaults(&o);
    before = o;
    clear_msgs();
    assert_int_equal(pt_options_load_file(&o, path), PT_ERR_MALFORMED);
    assert_memory_equal(&o, &before, sizeof o);
    assert_true(nmsgs >= 1);
}

static void test_file_long_line(void **state)
{
    static char text[PT_CONFIG_LINE_MAX + 64];
    static const char tail[] = "\nmfa = required\n";
    pt_options o;
    (void)state;
    require_root();
    /* A comment of exactly PT_CONFIG_LINE_MAX - 1 characters is fine... */
    memset(text, '#', PT_CONFIG_LINE_MAX - 1);
    memcpy(text + PT_CONFIG_LINE_MAX - 1, tail, sizeof tail);
    pt_options_defaults(&o);
    const char *path = write_file("pam_totp.conf", text, strlen(text), 0644);
    assert_int_equal(pt_options_load_file(&o, path), PT_OK);
    assert_int_equal(o.mfa, PT_MFA_REQUIRED);
    /* ...one more is not. */
    memset(text, '#', PT_CONFIG_LINE_MAX);
    memcpy(text + PT_CONFIG_LINE_MAX, tail, sizeof tail);
    load_bad(text, strlen(text), PT_ERR_MALFORMED, ":1: line longer than 2047 characters");
}

static void test_file_oversize(void **state)
{
    size_t len = PT_CONFIG_MAX_SIZE + 1;
    char *text = malloc(len);
    pt_options o;
    (void)state;
    require_root();
    assert_non_null(text);
    for (size_t i = 0; i < len; i++)
        text[i] = (i % 64 == 63) ? '\n' : '#';
    const char *path = write_file("big.conf", text, len, 0644);
    pt_options_defaults(&o);
    clear_msgs();
    assert_int_equal(pt_options_load_file(&o, path), PT_ERR_TOOBIG);
    assert_true(nmsgs >= 1);
    free(text);
}

/* A file of exactly the cap loads, and its last line counts: the read buffer starts at a page
 * and grows, so a setting past every growth step must arrive intact. */
static void test_file_at_cap(void **state)
{
    static const char tail[] = "window = 4\nissuer = Tail Corp\n";
    size_t len = PT_CONFIG_MAX_SIZE;
    char *text = malloc(len + 1);
    pt_options o;
    (void)state;
    require_root();
    assert_non_null(text);
    size_t body = len - (sizeof tail - 1);
    for (size_t i = 0; i < body; i++)
        text[i] = (i % 64 == 63 || i == body - 1) ? '\n' : '#';
    memcpy(text + body, tail, sizeof tail);
    const char *path = write_file("cap.conf", text, len, 0644);
    pt_options_defaults(&o);
    clear_msgs();
    if (pt_options_load_file(&o, path) != PT_OK)
        fail_msg("a file of exactly %d bytes does not load: %s", PT_CONFIG_MAX_SIZE, last_msg);
    assert_int_equal(o.window, 4);
    assert_string_equal(o.issuer, "Tail Corp");
    free(text);
}

static void test_file_unsafe(void **state)
{
    pt_options o, before;
    char link[PATH_MAX], real[PATH_MAX];
    (void)state;
    require_root();
    snprintf(real, sizeof real, "%s", write_file("real.conf", "mfa = required\n", 15, 0644));
    snprintf(link, sizeof link, "%s/link.conf", dir);
    assert_int_equal(symlink(real, link), 0);
    pt_options_defaults(&o);
    before = o;

    clear_msgs();
    assert_int_equal(pt_options_load_file(&o, link), PT_ERR_UNSAFE);
    assert_msg_has("link.conf");

    const char *gw = write_file("gw.conf", "mfa = required\n", 15, 0664);
    clear_msgs();
    assert_int_equal(pt_options_load_file(&o, gw), PT_ERR_UNSAFE);
    assert_msg_has("gw.conf");

    const char *ww = write_file("ww.conf", "mfa = required\n", 15, 0646);
    assert_int_equal(pt_options_load_file(&o, ww), PT_ERR_UNSAFE);

    const char *owned = write_file("user.conf", "mfa = required\n", 15, 0644);
    assert_int_equal(chown(owned, 65534, 65534), 0);
    assert_int_equal(pt_options_load_file(&o, owned), PT_ERR_UNSAFE);

    char fifo[PATH_MAX];
    snprintf(fifo, sizeof fifo, "%s/fifo.conf", dir);
    assert_int_equal(mkfifo(fifo, 0644), 0);
    assert_int_equal(pt_options_load_file(&o, fifo), PT_ERR_UNSAFE);

    assert_memory_equal(&o, &before, sizeof o);
    /* The real file itself is fine. */
    assert_int_equal(pt_options_load_file(&o, real), PT_OK);
    assert_int_equal(o.mfa, PT_MFA_REQUIRED);
}

static void test_file_missing(void **state)
{
    pt_options o;
    char path[PATH_MAX];
    (void)state;
    require_root();
    snprintf(path, sizeof path, "%s/none.conf", dir);
    pt_options_defaults(&o);
    assert_int_equal(pt_options_load_file(&o, path), PT_ERR_NOENT);
    assert_int_equal(pt_options_load_file(&o, "relative.conf"), PT_ERR_INVAL);
}

/* ---- the whole sequence: defaults, config=, file, arguments ---- */

static void test_load_with_config_arg(void **state)
{
    pt_options o;
    char arg[PATH_MAX + 16];
    (void)state;
    require_root();
    const char *path = write_conf("mfa = required\ndigits = 8\nwindow = 3\n");
    snprintf(arg, sizeof arg, "config=%s", path);

    /* Arguments win over the file, whatever their position relative to config=. */
    const char *argv[] = {"digits=6", arg, "debug", "issuer=Arg"};
    assert_int_equal(pt_options_load(&o, 4, argv), PT_OK);
    assert_int_equal(o.mfa, PT_MFA_REQUIRED);
    assert_int_equal(o.digits, 6);
    assert_int_equal(o.window, 3);
    assert_true(o.debug);
    assert_string_equal(o.issuer, "Arg");
    assert_string_equal(o.config_path, path);

    /* A bad argument fails the load and names itself. */
    const char *bad_argv[] = {arg, "window=zero"};
    clear_msgs();
    assert_int_equal(pt_options_load(&o, 2, bad_argv), PT_ERR_INVAL);
    assert_msg_has("module argument: window = zero");

    /* A bad file fails the load even with good arguments. */
    write_conf("mfa = sometimes\n");
    const char *argv2[] = {arg};
    clear_msgs();
    assert_int_equal(pt_options_load(&o, 1, argv2), PT_ERR_INVAL);
    assert_msg_has(":1: mfa = sometimes");

    /* A config= file that does not exist is an error (only the default may be missing). */
    char missing[PATH_MAX + 16];
    snprintf(missing, sizeof missing, "config=%s/none.conf", dir);
    const char *argv3[] = {missing};
    clear_msgs();
    assert_int_equal(pt_options_load(&o, 1, argv3), PT_ERR_NOENT);
    assert_msg_has("none.conf");
}

/* ---- expansion ---- */

static void test_expand(void **state)
{
    char out[PATH_MAX], host[256], want[600];
    (void)state;
    assert_int_equal(pt_expand("%h/.pam_totp", "alice", "/home/alice", out, sizeof out), PT_OK);
    assert_string_equal(out, "/home/alice/.pam_totp");
    assert_int_equal(pt_expand("/var/lib/pam_totp/enrol/%u", "alice", NULL, out, sizeof out),
                     PT_OK);
    assert_string_equal(out, "/var/lib/pam_totp/enrol/alice");
    assert_int_equal(pt_expand("100%% %u", "bob", NULL, out, sizeof out), PT_OK);
    assert_string_equal(out, "100% bob");
    assert_int_equal(pt_expand("%%h", "bob", "/home/bob", out, sizeof out), PT_OK);
    assert_string_equal(out, "%h");

    assert_int_equal(gethostname(host, sizeof host), 0);
    snprintf(want, sizeof want, "carol@%s", host);
    assert_int_equal(pt_expand("%u@%H", "carol", NULL, out, sizeof out), PT_OK);
    assert_string_equal(out, want);

    /* Refusals. */
    assert_int_equal(pt_expand("%x", "bob", "/home/bob", out, sizeof out), PT_ERR_INVAL);
    assert_string_equal(out, "");
    assert_int_equal(pt_expand("abc%", "bob", "/home/bob", out, sizeof out), PT_ERR_INVAL);
    assert_int_equal(pt_expand("/e/%u", "a/b", NULL, out, sizeof out), PT_ERR_INVAL);
    assert_int_equal(pt_expand("/e/%u", ".", NULL, out, sizeof out), PT_ERR_INVAL);
    assert_int_equal(pt_expand("/e/%u", "..", NULL, out, sizeof out), PT_ERR_INVAL);
    assert_int_equal(pt_expand("/e/%u", "", NULL, out, sizeof out), PT_ERR_INVAL);
    assert_int_equal(pt_expand("/e/%u", NULL, NULL, out, sizeof out), PT_ERR_INVAL);
    assert_int_equal(pt_expand("/e/%u", "a\nb", NULL, out, sizeof out), PT_ERR_INVAL);
    assert_int_equal(pt_expand("%h/x", "bob", NULL, out, sizeof out), PT_ERR_INVAL);
    assert_int_equal(pt_expand("%h/x", "bob", "home/bob", out, sizeof out), PT_ERR_INVAL);
    /* A hostile user name is refused even where the template does not use it. */
    assert_int_equal(pt_expand("%h/x", "../root", "/home/bob", out, sizeof out), PT_ERR_INVAL);

    /* Size: exact fit, then one too many. */
    assert_int_equal(pt_expand("%u", "abc", NULL, out, 4), PT_OK);
    assert_string_equal(out, "abc");
    assert_int_equal(pt_expand("%u", "abcd", NULL, out, 4), PT_ERR_TOOBIG);
    assert_string_equal(out, "");
    assert_int_equal(pt_expand("/x/%u", "abc", NULL, out, 6), PT_ERR_TOOBIG);
}

static void test_system_mode(void **state)
{
    pt_options o;
    (void)state;
    pt_options_defaults(&o);
    assert_false(pt_options_system_mode(&o));
    snprintf(o.enrolment_file, sizeof o.enrolment_file, "/var/lib/pam_totp/enrol/%%u");
    assert_true(pt_options_system_mode(&o));
    snprintf(o.enrolment_file, sizeof o.enrolment_file, "/srv/%%%%h/%%u");
    assert_true(pt_options_system_mode(&o)); /* "%%h" is a literal, not the home */
    /* store = ldap: enrolments are root's (the directory's), whatever enrolment_file says. */
    pt_options_defaults(&o);
    assert_int_equal(pt_options_set(&o, "store", "ldap", "test", true), PT_OK);
    assert_true(pt_options_system_mode(&o));
    assert_int_equal(pt_options_set(&o, "store", "LDAP", "test", true), PT_ERR_INVAL);
    assert_int_equal(pt_options_set(&o, "ldap_uri", "ldap://a ldaps://b:636", "test", true), PT_OK);
    assert_int_equal(pt_options_set(&o, "ldap_uri", "http://a", "test", true), PT_ERR_INVAL);
    assert_int_equal(pt_options_set(&o, "ldap_uri", " ", "test", true), PT_ERR_INVAL);
    assert_int_equal(pt_options_set(&o, "ldap_timeout", "0", "test", true), PT_ERR_INVAL);
    assert_int_equal(pt_options_set(&o, "ldap_timeout", "301", "test", true), PT_ERR_INVAL);
    assert_int_equal(pt_options_set(&o, "ldap_base", "pam_totp", "test", true), PT_ERR_INVAL);
    /* Empty is unset (the shipped file lists them so); store = ldap refuses to open then. */
    assert_int_equal(pt_options_set(&o, "ldap_uri", "", "test", true), PT_OK);
    assert_int_equal(pt_options_set(&o, "ldap_base", "", "test", true), PT_OK);
    assert_int_equal(pt_options_set(&o, "ldap_binddn", "", "test", true), PT_OK);
    assert_int_equal(pt_options_set(&o, "ldap_bindpw_file", "rel/pw", "test", true), PT_ERR_INVAL);
    assert_int_equal(pt_options_set(&o, "secret_key_file", "/etc/../key", "test", true),
                     PT_ERR_INVAL);
    assert_int_equal(pt_options_set(&o, "secret_key_file", "/etc/pam_totp.key", "test", true),
                     PT_OK);
}

static void test_lists_and_names(void **state)
{
    pt_options o;
    char buf[300], host[256];
    (void)state;
    assert_true(pt_list_contains("sudo wheel", "wheel"));
    assert_true(pt_list_contains(" sudo,wheel ,adm\t", "adm"));
    assert_true(pt_list_contains("sudo, wheel", "sudo"));
    assert_false(pt_list_contains("sudo wheel", "whee"));
    assert_false(pt_list_contains("sudo wheel", "wheels"));
    assert_false(pt_list_contains("sudo wheel", ""));
    assert_false(pt_list_contains("", "sudo"));
    assert_false(pt_list_contains(NULL, "sudo"));
    assert_false(pt_list_contains("sudo", NULL));

    assert_string_equal(pt_mfa_name(PT_MFA_DISABLED), "disabled");
    assert_string_equal(pt_mfa_name(PT_MFA_OPTIONAL), "optional");
    assert_string_equal(pt_mfa_name(PT_MFA_REQUIRED_FOR_ADMINS), "required_for_admins");
    assert_string_equal(pt_mfa_name(PT_MFA_REQUIRED), "required");

    pt_options_defaults(&o);
    assert_int_equal(gethostname(host, sizeof host), 0);
    pt_options_issuer(&o, buf, sizeof buf);
    assert_string_equal(buf, host);
    set_ok(&o, "issuer", "ACME");
    pt_options_issuer(&o, buf, sizeof buf);
    assert_string_equal(buf, "ACME");
}

/* The shipped pam_totp.conf: with every commented-out "#key = value" line switched on it loads,
 * sets every key of the file, and changes nothing: each key sits at its default. */
static void test_shipped_file_at_defaults(void **state)
{
    (void)state;
    require_root();
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/pam_totp.conf", PT_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[PT_CONFIG_MAX_SIZE];
    size_t len = 0;
    char line[PT_CONFIG_LINE_MAX];
    while (fgets(line, sizeof line, f)) {
        const char *l = line;
        /* "#key = value" (no space after '#') is a setting; "# words" is prose. */
        if (l[0] == '#' && l[1] >= 'a' && l[1] <= 'z' && strstr(l, " ="))
            l++;
        size_t n = strlen(l);
        assert_true(len + n < sizeof text);
        memcpy(text + len, l, n);
        len += n;
    }
    fclose(f);
    text[len] = '\0';
    pt_options o, d;
    pt_options_defaults(&o);
    pt_options_defaults(&d);
    clear_msgs();
    if (pt_options_load_file(&o, write_conf(text)) != PT_OK)
        fail_msg("the shipped file with its settings switched on does not load: %s", last_msg);
    assert_memory_equal(&o, &d, sizeof o);
    static const char *const keys[] = {
        "mfa", "admin_groups", "require_groups", "require_users", "exempt_users", "exempt_groups",
        "enrol_grace_days", "enrol_at_login", "trusted_networks", "remember_host", "issuer",
        "label", "algorithm", "digits", "period", "window", "backup_codes", "deny",
        "fail_interval", "unlock_time", "enrolment_file", "state_dir", "pending_ttl"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char want[80];
        snprintf(want, sizeof want, "\n%s =", keys[i]);
        if (!strstr(text, want))
            fail_msg("the shipped file lacks %s", keys[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_key_good),
        cmocka_unit_test(test_booleans),
        cmocka_unit_test(test_every_key_bad),
        cmocka_unit_test(test_every_key_has_a_bad_value),
        cmocka_unit_test(test_too_long_values),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_arg_only_keys),
        cmocka_unit_test(test_set_arg),
        cmocka_unit_test(test_file_good),
        cmocka_unit_test(test_file_empty),
        cmocka_unit_test(test_file_bad_lines),
        cmocka_unit_test(test_shipped_file_at_defaults),
        cmocka_unit_test(test_file_nul),
        cmocka_unit_test(test_file_long_line),
        cmocka_unit_test(test_file_oversize),
        cmocka_unit_test(test_file_at_cap),
        cmocka_unit_test(test_file_bad_resets),
        cmocka_unit_test(test_load_bad_config_arg),
        cmocka_unit_test(test_file_unsafe),
        cmocka_unit_test(test_file_missing),
        cmocka_unit_test(test_load_with_config_arg),
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_system_mode),
        cmocka_unit_test(test_lists_and_names),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
