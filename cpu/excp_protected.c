/*
 * cpu/excp_protected.c: interrupt and exception delivery in protected, virtual-8086 and long
 * mode (SDM Vol. 3A §6.10-6.14). Being written: until then delivery ends in shutdown.
 */
#include "cpu/excp.h"

#include "util/log.h"

void excp_deliver_protected(CpuState *cpu, unsigned vector, IntKind kind, bool has_error_code,
                            uint32_t error_code, uint64_t return_rip)
{
    log_unimp("protected-mode delivery of vector %#x", vector);
    cpu->shutdown = true;
}
