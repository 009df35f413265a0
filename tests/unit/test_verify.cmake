# Count libargon2 calls without replacing them (the test's __wrap_argon2id_hash_raw forwards to
# the real function): a backup-code answer must cost exactly one argon2id evaluation.
target_link_options(${name} PRIVATE -Wl,--wrap=argon2id_hash_raw)
