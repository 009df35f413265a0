/* Sealed secrets (seal.h, enrolment_seal.c): a sealed secret opens only with the same key, user
 * and enrolment id, and not after any change; the text form round-trips and rejects every
 * malformed value; the key file is refused when missing, of the wrong size, or reachable by
 * anyone but root (owner, mode, symbolic link, a writable directory on its path); enrolments
 * written before the key existed still open; the enrolment file never holds the plain secret
 * once sealed; one secret value per device is bound to the device id too. The key-file tests
 * need root (owners are part of what is tested). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base32.h"
#include "config.h"
#include "enrolment.h"
#include "pt_error.h"
#include "pt_testfs.h"
#include "seal.h"

static pt_seal_key key1, key2;
static const uint8_t secret20[20] = "12345678901234567890";
static const char id1[] = "0123456789abcdef0123456789abcdef";
static const char id2[] = "fedcba9876543210fedcba9876543210";

static int setup(void **state)
{
    if (tfs_setup(state) != 0)
        return -1;
    memset(key1.k, 0x41, sizeof key1.k);
    memset(key2.k, 0x41, sizeof key2.k);
    key2.k[31] ^= 1;
    return 0;
}

static void seal_roundtrip(void **state)
{
    (void)state;
    uint8_t blob[PT_SEALED_MAX], back[PT_SECRET_MAX];
    size_t bl = 0, n = 0;
    assert_int_equal(pt_seal(&key1, "alice", id1, NULL, secret20, 20, blob, sizeof blob, &bl), PT_OK);
    assert_int_equal(bl, PT_SEAL_NONCE_LEN + 20 + PT_SEAL_TAG_LEN);
    assert_null(memmem(blob, bl, secret20, 20));
    assert_int_equal(pt_unseal(&key1, "alice", id1, NULL, blob, bl, back, sizeof back, &n), PT_OK);
    assert_int_equal(n, 20);
    assert_memory_equal(back, secret20, 20);

    /* A fresh nonce each time: the same secret never seals to the same bytes. */
    uint8_t blob2[PT_SEALED_MAX];
    size_t bl2 = 0;
    assert_int_equal(pt_seal(&key1, "alice", id1, NULL, secret20, 20, blob2, sizeof blob2, &bl2), PT_OK);
    assert_memory_not_equal(blob, blob2, bl);

    /* The longest secret (SHA-512, 64 bytes) fits. */
    uint8_t big[PT_SECRET_MAX];
    memset(big, 7, sizeof big);
    assert_int_equal(pt_seal(&key1, "alice", id1, NULL, big, sizeof big, blob, sizeof blob, &bl), PT_OK);
    assert_int_equal(bl, PT_SEALED_MAX);
    assert_int_equal(pt_unseal(&key1, "alice", id1, NULL, blob, bl, back, sizeof back, &n), PT_OK);
    assert_memory_equal(back, big, sizeof big);
}

/* Every binding and every byte counts: nothing opens but the exact (key, user, id, blob). */
static void seal_binding(void **state)
{
    (void)state;
    uint8_t blob[PT_SEALED_MAX], back[PT_SECRET_MAX];
    size_t bl = 0, n = 99;
    assert_int_equal(pt_seal(&key1, "alice", id1, NULL, secret20, 20, blob, sizeof blob, &bl), PT_OK);
    memset(back, 0, sizeof back);
    assert_int_equal(pt_unseal(&key2, "alice", id1, NULL, blob, bl, back, sizeof back, &n),
                     PT_ERR_CRYPTO);
    assert_int_equal(n, 0);
    assert_int_equal(pt_unseal(&key1, "bob", id1, NULL, blob, bl, back, sizeof back, &n),
                     PT_ERR_CRYPTO);
    assert_int_equal(pt_unseal(&key1, "alic", id1, NULL, blob, bl, back, sizeof back, &n),
                     PT_ERR_CRYPTO);
    assert_int_equal(pt_unseal(&key1, "alice", id2, NULL, blob, bl, back, sizeof back, &n),
                     PT_ERR_CRYPTO);
    /* "alice" + id must not equal "alic" + "e" + id: the user is NUL-terminated in the AD. */
    char shifted[PT_ID_HEX + 2];
    snprintf(shifted, sizeof shifted, "e%s", id1);
    assert_int_equal(pt_unseal(&key1, "alic", shifted, NULL, blob, bl, back, sizeof back, &n),
                     PT_ERR_CRYPTO);
    for (size_t i = 0; i < bl; i++) {
        blob[i] ^= 0x80;
        assert_int_equal(pt_unseal(&key1, "alice", id1, NULL, blob, bl, back, sizeof back, &n),
                         PT_ERR_CRYPTO);
        blob[i] ^= 0x80;
    }
    uint8_t zero[PT_SECRET_MAX] = { 0 };
    assert_memory_equal(back, zero, sizeof zero); /* nothing written on failure */
    assert_int_equal(pt_unseal(&key1, "alice", id1, NULL, blob, bl - 1, back, sizeof back, &n),
                     PT_ERR_CRYPTO);
    assert_int_equal(pt_unseal(&key1, "alice", id1, NULL, blob, 30, back, sizeof back, &n),
                     PT_ERR_INVAL);
}

static void text_form(void **state)
{
    (void)state;
    uint8_t blob[PT_SEALED_MAX], again[PT_SEALED_MAX];
    size_t bl = 0, al = 0;
    char text[sizeof PT_SEAL_PREFIX + 2 * PT_SEALED_MAX];
    assert_int_equal(pt_seal(&key1, "alice", id1, NULL, secret20, 20, blob, sizeof blob, &bl), PT_OK);
    assert_int_equal(pt_seal_format(blob, bl, text, sizeof text), PT_OK);
    assert_true(pt_seal_is_sealed(text, strlen(text)));
    assert_int_equal(strncmp(text, "sealed:v1:", 10), 0);
    assert_int_equal(pt_seal_parse(text, strlen(text), again, sizeof again, &al), PT_OK);
    assert_int_equal(al, bl);
    assert_memory_equal(again, blob, bl);
    assert_int_equal(pt_seal_format(blob, bl, text, 20), PT_ERR_TOOBIG);

    static const char *const bad[] = {
        "sealed:v1:", "sealed:v2:00", "sealed:v1:0", "sealed:v1:zz",
        "Sealed:v1:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0011223344",
        "sealed:v1:00112233445566778899aabbccddeeff0011223344556677", /* too short for a secret */
        "sealed:v1:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff001122334 ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(pt_seal_parse(bad[i], strlen(bad[i]), again, sizeof again, &al),
                         PT_ERR_MALFORMED);
    char longer[sizeof PT_SEAL_PREFIX + 2 * PT_SEALED_MAX + 2];
    snprintf(longer, sizeof longer, "sealed:v1:%0*d", 2 * PT_SEALED_MAX + 2, 0);
    assert_int_equal(pt_seal_parse(longer, strlen(longer), again, sizeof again, &al),
                     PT_ERR_MALFORMED);
}

/* ---- the key file ---- */

static const char *write_key(const char *name, size_t len, mode_t mode)
{
    uint8_t k[64];
    memset(k, 0x5a, sizeof k);
    assert_int_equal(tfs_write(name, k, len, mode), 0);
    return tfs_path(name);
}

/* One secret value per device (an enrolment with several devices): bound to the device id as
 * well; without a device id it is the single-secret form, which pt_unseal opens too. */
static void value_per_device(void **state)
{
    (void)state;
    char val[sizeof PT_SEAL_PREFIX + 2 * PT_SEALED_MAX], other[sizeof val];
    uint8_t back[PT_SECRET_MAX], blob[PT_SEALED_MAX];
    size_t n = 0, bl = 0;
    assert_int_equal(pt_seal_value(&key1, "alice", id1, "phone", secret20, 20, val, sizeof val),
                     PT_OK);
    assert_true(pt_seal_is_sealed(val, strlen(val)));
    assert_null(strstr(val, "12345678901234567890"));
    assert_int_equal(pt_unseal_value(&key1, "alice", id1, "phone", val, strlen(val), back,
                                     sizeof back, &n), PT_OK);
    assert_int_equal(n, 20);
    assert_memory_equal(back, secret20, 20);
    /* Another device, no device, another user, enrolment or key: does not open. */
    assert_int_equal(pt_unseal_value(&key1, "alice", id1, "tablet", val, strlen(val), back,
                                     sizeof back, &n), PT_ERR_CRYPTO);
    assert_int_equal(pt_unseal_value(&key1, "alice", id1, NULL, val, strlen(val), back,
                                     sizeof back, &n), PT_ERR_CRYPTO);
    assert_int_equal(pt_unseal_value(&key1, "bob", id1, "phone", val, strlen(val), back,
                                     sizeof back, &n), PT_ERR_CRYPTO);
    assert_int_equal(pt_unseal_value(&key1, "alice", id2, "phone", val, strlen(val), back,
                                     sizeof back, &n), PT_ERR_CRYPTO);
    assert_int_equal(pt_unseal_value(&key2, "alice", id1, "phone", val, strlen(val), back,
                                     sizeof back, &n), PT_ERR_CRYPTO);
    assert_int_equal(pt_unseal_value(&key1, "alice", id1, "phone", "AAAA", 4, back, sizeof back,
                                     &n), PT_ERR_MALFORMED);
    /* No device: the form pt_seal writes, in both directions; "" counts as none. */
    assert_int_equal(pt_seal_value(&key1, "alice", id1, "", secret20, 20, other, sizeof other),
                     PT_OK);
    assert_int_equal(pt_seal_parse(other, strlen(other), blob, sizeof blob, &bl), PT_OK);
    assert_int_equal(pt_unseal(&key1, "alice", id1, NULL, blob, bl, back, sizeof back, &n), PT_OK);
    assert_memory_equal(back, secret20, 20);
    assert_int_equal(pt_seal(&key1, "alice", id1, NULL, secret20, 20, blob, sizeof blob, &bl), PT_OK);
    assert_int_equal(pt_seal_format(blob, bl, other, sizeof other), PT_OK);
    assert_int_equal(pt_unseal_value(&key1, "alice", id1, NULL, other, strlen(other), back,
                                     sizeof back, &n), PT_OK);
    assert_int_equal(pt_unseal_value(&key1, "alice", id1, "phone", other, strlen(other), back,
                                     sizeof back, &n), PT_ERR_CRYPTO);
    /* Too small an output: refused, nothing half-written. */
    assert_int_equal(pt_seal_value(&key1, "alice", id1, "phone", secret20, 20, other, 20),
                     PT_ERR_TOOBIG);
    assert_string_equal(other, "");
}

static void key_file(void **state)
{
    (void)state;
    tfs_need_root();
    pt_seal_key k;
    assert_int_equal(pt_seal_key_load(write_key("key", 32, 0600), &k), PT_OK);
    assert_int_equal(k.k[0], 0x5a);
    assert_int_equal(pt_seal_key_load(write_key("key", 32, 0400), &k), PT_OK);

    tfs_clear_msgs();
    assert_int_equal(pt_seal_key_load(tfs_path("none"), &k), PT_ERR_NOENT);
    assert_logged("missing");
    assert_logged("head -c 32 /dev/urandom");

    tfs_clear_msgs();
    assert_int_equal(pt_seal_key_load(write_key("key", 31, 0600), &k), PT_ERR_MALFORMED);
    assert_logged("must be exactly 32");
    assert_int_equal(pt_seal_key_load(write_key("key", 0, 0600), &k), PT_ERR_MALFORMED);
    assert_int_equal(pt_seal_key_load(write_key("key", 33, 0600), &k), PT_ERR_TOOBIG);

    tfs_clear_msgs();
    assert_int_equal(pt_seal_key_load(write_key("key", 32, 0640), &k), PT_ERR_UNSAFE);
    assert_logged("chmod 0600");
    assert_int_equal(pt_seal_key_load(write_key("key", 32, 0604), &k), PT_ERR_UNSAFE);
    const char *p = write_key("key", 32, 0600);
    assert_int_equal(chown(p, 65534, 0), 0);
    assert_int_equal(pt_seal_key_load(p, &k), PT_ERR_UNSAFE);
    uint8_t zero[32] = { 0 };
    assert_memory_equal(k.k, zero, 32); /* nothing left behind on failure */

    /* A symbolic link, as the file or as a directory on the way. */
    write_key("key", 32, 0600);
    assert_int_equal(symlink(tfs_path("key"), tfs_path("link")), 0);
    assert_int_equal(pt_seal_key_load(tfs_path("link"), &k), PT_ERR_UNSAFE);
    assert_int_equal(mkdir(tfs_path("d"), 0755), 0);
    write_key("d/key", 32, 0600);
    assert_int_equal(symlink(tfs_path("d"), tfs_path("dlink")), 0);
    assert_int_equal(pt_seal_key_load(tfs_path("dlink/key"), &k), PT_ERR_UNSAFE);
    assert_int_equal(pt_seal_key_load(tfs_path("d/key"), &k), PT_OK);

    /* A directory on the path that someone else owns or can write. */
    assert_int_equal(chmod(tfs_path("d"), 0775), 0);
    tfs_clear_msgs();
    assert_int_equal(pt_seal_key_load(tfs_path("d/key"), &k), PT_ERR_UNSAFE);
    assert_logged("chmod go-w");
    assert_int_equal(chmod(tfs_path("d"), 0755), 0);
    assert_int_equal(chown(tfs_path("d"), 65534, 0), 0);
    assert_int_equal(pt_seal_key_load(tfs_path("d/key"), &k), PT_ERR_UNSAFE);
    assert_int_equal(chown(tfs_path("d"), 0, 0), 0);
    /* Sticky and world-writable, like /tmp: safe for the root-owned entry below. */
    assert_int_equal(chmod(tfs_path("d"), 01777), 0);
    assert_int_equal(pt_seal_key_load(tfs_path("d/key"), &k), PT_OK);
    assert_int_equal(chmod(tfs_path("d"), 0755), 0);

    assert_int_equal(pt_seal_key_load("relative/key", &k), PT_ERR_INVAL);
    assert_int_equal(pt_seal_key_load(tfs_path("d/../key"), &k), PT_ERR_INVAL);
    pt_wipe(&k, sizeof k);
}

/* ---- enrolments ---- */

static void make_enrolment(pt_enrolment *e)
{
    pt_options o;
    pt_options_defaults(&o);
    assert_int_equal(pt_enrolment_new(&o, 1700000000, e), PT_OK);
    pt_device d;
    assert_int_equal(pt_device_new(&o, 1700000100, "spare", &d), PT_OK);
    assert_int_equal(pt_device_add(e, &d), PT_OK);
    pt_wipe(&d, sizeof d);
    pt_enrolment_activate(e);
}

static void enrolment_sealed(void **state)
{
    (void)state;
    tfs_need_root();
    pt_options o;
    pt_options_defaults(&o);
    pt_user alice, bob;
    assert_int_equal(pt_user_init(&alice, "alice", 1001, 1001, "/home/alice", "/bin/sh"), PT_OK);
    assert_int_equal(pt_user_init(&bob, "bob", 1002, 1002, "/home/bob", "/bin/sh"), PT_OK);
    assert_int_equal(pt_options_set(&o, "secret_key_file", write_key("key", 32, 0600), "test",
                                    true), PT_OK);
    pt_enrolment e, back, plain;
    make_enrolment(&e);
    char b32[2 * PT_SECRET_MAX];
    assert_int_equal(pt_device_secret_b32(&e.dev[0], b32, sizeof b32), PT_OK);

    /* Written sealed: the file holds no base32 (nor any other form) of the secret. */
    assert_int_equal(pt_enrolment_seal(&o, &alice, &e), PT_OK);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(pt_enrolment_format(&e, &text, &len), PT_OK);
    assert_non_null(strstr(text, "\nsecret = sealed:v1:"));
    assert_null(strstr(text, b32));
    assert_null(memmem(text, len, e.dev[0].secret, e.dev[0].secret_len));
    assert_null(memmem(text, len, e.dev[1].secret, e.dev[1].secret_len));

    /* Read back: sealed until opened for the same user. */
    assert_int_equal(pt_enrolment_parse(text, len, "t", &back), PT_OK);
    assert_int_equal(back.dev[0].secret_len, 0);
    assert_int_equal(back.dev[1].secret_len, 0);
    assert_int_equal(pt_enrolment_unseal(&o, &alice, &back), PT_OK);
    for (unsigned i = 0; i < 2; i++) {
        assert_int_equal(back.dev[i].secret_len, e.dev[i].secret_len);
        assert_memory_equal(back.dev[i].secret, e.dev[i].secret, e.dev[i].secret_len);
    }

    /* One device's sealed value moved to the other device: does not open (bound to the device). */
    assert_int_equal(pt_enrolment_parse(text, len, "t", &back), PT_OK);
    memcpy(back.dev[1].sealed, back.dev[0].sealed, back.dev[0].sealed_len);
    back.dev[1].sealed_len = back.dev[0].sealed_len;
    assert_int_equal(pt_enrolment_unseal(&o, &alice, &back), PT_ERR_CRYPTO);

    /* Moved to bob, or with its id changed (another enrolment): does not open. */
    assert_int_equal(pt_enrolment_parse(text, len, "t", &back), PT_OK);
    tfs_clear_msgs();
    assert_int_equal(pt_enrolment_unseal(&o, &bob, &back), PT_ERR_CRYPTO);
    assert_logged("does not open");
    assert_int_equal(back.dev[0].secret_len, 0);
    assert_int_equal(pt_enrolment_parse(text, len, "t", &back), PT_OK);
    memcpy(back.id, id2, sizeof id2);
    assert_int_equal(pt_enrolment_unseal(&o, &alice, &back), PT_ERR_CRYPTO);

    /* Another key; no key configured at all; the key file gone. */
    assert_int_equal(pt_enrolment_parse(text, len, "t", &back), PT_OK);
    write_key("key", 32, 0600);
    {
        uint8_t other[32];
        memset(other, 0x33, sizeof other);
        assert_int_equal(tfs_write("key2", other, 32, 0600), 0);
    }
    pt_options o2 = o;
    assert_int_equal(pt_options_set(&o2, "secret_key_file", tfs_path("key2"), "t", true), PT_OK);
    assert_int_equal(pt_enrolment_unseal(&o2, &alice, &back), PT_ERR_CRYPTO);
    pt_options none;
    pt_options_defaults(&none);
    tfs_clear_msgs();
    assert_int_equal(pt_enrolment_unseal(&none, &alice, &back), PT_ERR_CRYPTO);
    assert_logged("secret_key_file is not set");
    pt_options gone = o;
    assert_int_equal(pt_options_set(&gone, "secret_key_file", tfs_path("gone"), "t", true), PT_OK);
    assert_int_equal(pt_enrolment_unseal(&gone, &alice, &back), PT_ERR_CRYPTO);

    /* Written before the key existed: still opens, and a missing key still fails closed. */
    make_enrolment(&plain);
    assert_int_equal(pt_enrolment_seal(&none, &alice, &plain), PT_OK);
    assert_int_equal(plain.dev[0].sealed_len, 0);
    free(text);
    assert_int_equal(pt_enrolment_format(&plain, &text, &len), PT_OK);
    assert_int_equal(pt_enrolment_parse(text, len, "t", &back), PT_OK);
    assert_int_equal(pt_enrolment_unseal(&o, &alice, &back), PT_OK);
    assert_memory_equal(back.dev[0].secret, plain.dev[0].secret, plain.dev[0].secret_len);
    assert_int_equal(pt_enrolment_unseal(&gone, &alice, &back), PT_ERR_CRYPTO);
    /* The shortest secret an enrolment holds (10 bytes, an imported google-authenticator key)
     * is sealed and read back too. */
    {
        pt_enrolment short10, back10;
        make_enrolment(&short10);
        short10.dev[0].secret_len = PT_SEAL_SECRET_MIN;
        assert_int_equal(pt_enrolment_seal(&o, &alice, &short10), PT_OK);
        char *t10 = NULL;
        size_t l10 = 0;
        assert_int_equal(pt_enrolment_format(&short10, &t10, &l10), PT_OK);
        assert_int_equal(pt_enrolment_parse(t10, l10, "t", &back10), PT_OK);
        assert_int_equal(pt_enrolment_unseal(&o, &alice, &back10), PT_OK);
        assert_int_equal(back10.dev[0].secret_len, PT_SEAL_SECRET_MIN);
        assert_memory_equal(back10.dev[0].secret, short10.dev[0].secret, PT_SEAL_SECRET_MIN);
        free(t10);
        pt_enrolment_wipe(&short10);
        pt_enrolment_wipe(&back10);
    }
    /* Re-sealing it: what a rewrite of the enrolment (new backup codes) does. */
    assert_int_equal(pt_enrolment_seal(&o, &alice, &back), PT_OK);
    assert_true(back.dev[0].sealed_len > 0 && back.dev[1].sealed_len > 0);
    free(text);
    assert_int_equal(pt_enrolment_format(&back, &text, &len), PT_OK);
    assert_non_null(strstr(text, "\nsecret = sealed:v1:"));

    free(text);
    pt_enrolment_wipe(&e);
    pt_enrolment_wipe(&back);
    pt_enrolment_wipe(&plain);
    pt_user_free(&alice);
    pt_user_free(&bob);
}

static void enrolment_sealed_malformed(void **state)
{
    (void)state;
    pt_enrolment e;
    make_enrolment(&e);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(pt_enrolment_format(&e, &text, &len), PT_OK);
    char *line = strstr(text, "\nsecret = ");
    assert_non_null(line);
    char *end = strchr(line + 1, '\n');
    char buf[4096];
    static const char *const bad[] = { "sealed:v1:abc", "sealed:v1:", "sealed:v9:0011",
                                       "sealed:v1:gg" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int n = snprintf(buf, sizeof buf, "%.*s\nsecret = %s%s", (int)(line - text), text, bad[i],
                         end);
        pt_enrolment back;
        tfs_clear_msgs();
        assert_int_equal(pt_enrolment_parse(buf, (size_t)n, "t", &back), PT_ERR_MALFORMED);
        assert_logged("t line 17: ");
    }
    free(text);
    pt_enrolment_wipe(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seal_roundtrip),
        cmocka_unit_test(seal_binding),
        cmocka_unit_test(text_form),
        cmocka_unit_test(value_per_device),
        cmocka_unit_test(key_file),
        cmocka_unit_test(enrolment_sealed),
        cmocka_unit_test(enrolment_sealed_malformed),
    };
    return cmocka_run_group_tests(tests, setup, tfs_teardown);
}
