/* The counting libargon2 stand-in of tests/shim/argon2_shim.c: what a test sees of it. */
#ifndef PT_ARGON2_SHIM_H
#define PT_ARGON2_SHIM_H

#include <stddef.h>
#include <stdint.h>

/* Called before each forwarded argon2id_hash_raw with its cost parameters and lengths. */
typedef void (*pt_argon2_observer)(uint32_t t_cost, uint32_t m_cost, uint32_t parallelism,
                                   size_t pwdlen, size_t saltlen, size_t hashlen);
void pt_argon2_shim_observe(pt_argon2_observer fn);
/* argon2id_hash_raw calls so far, in this process. */
unsigned pt_argon2_shim_calls(void);

#endif
