/*
 * cpu/task.h: hardware task switching (private to cpu/), SDM Vol. 3A chapter 7 "Task
 * Management": §7.3 (the task-switch steps), §7.4 (task linking: NT and the back link),
 * table 7-1 (exception conditions checked during a task switch).
 */
#ifndef VIREO_CPU_TASK_H
#define VIREO_CPU_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* What started the switch: it decides busy bits, NT and the back link (§7.4 table 7-2). */
typedef enum TaskSwitchReason {
    TASK_SWITCH_JMP,  /* JMP to a TSS or task gate: no nesting */
    TASK_SWITCH_CALL, /* CALL to a TSS or task gate: nested */
    TASK_SWITCH_INT,  /* interrupt or exception through a task gate: nested */
    TASK_SWITCH_IRET, /* IRET with NT = 1: back to the linked task */
} TaskSwitchReason;

/*
 * Switches to the task whose TSS `tss_sel` selects (a GDT selector). `return_rip` is the EIP
 * saved in the outgoing task. An exception that brought the switch pushes `error_code` on the
 * new task's stack when has_error_code. `ext` is the EXT bit of the error codes the switch
 * itself raises. Faults found before the switch commits leave the old task intact; faults on
 * loading the new task's segments are raised in the new task (§7.3 step 13).
 */
void task_switch(CpuState *cpu, uint16_t tss_sel, TaskSwitchReason reason, uint64_t return_rip,
                 bool has_error_code, uint32_t error_code, uint32_t ext);

#endif
