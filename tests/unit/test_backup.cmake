# Count libargon2 calls without replacing them: the test's __wrap_argon2id_hash_raw counts each
# call and forwards it to the real function (__real_argon2id_hash_raw).
target_link_options(${name} PRIVATE -Wl,--wrap=argon2id_hash_raw)
