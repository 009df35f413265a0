# Count libargon2 calls without replacing them: the test links the libargon2 stand-in of
# tests/shim (SONAME libargon2.so.1), which the core's dlopen finds already loaded; it counts each
# call and forwards it to the real library.
target_link_libraries(${name} PRIVATE pt_argon2_shim)
# Count HMACs without replacing them (the test's __wrap_gcry_mac_open forwards to libgcrypt): the
# work per answer is one HMAC per device and step in the window.
target_link_options(${name} PRIVATE -Wl,--wrap=gcry_mac_open)
