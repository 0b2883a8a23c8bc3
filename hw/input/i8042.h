/*
 * hw/input/i8042.h: the PC's 8042 keyboard controller with a PS/2 keyboard and a PS/2 mouse
 * behind it. Sources: IBM PC AT Technical Reference "Keyboard controller" (status register,
 * controller commands, input and output ports); the IBM PS/2 "Keyboard and Auxiliary Device
 * Controller" reference for the command byte, the auxiliary-device commands (A7h-A9h, D3h,
 * D4h); the keyboard and mouse command sets of the IBM PS/2 Hardware Interface Technical
 * Reference.
 *
 * The controller has one output buffer: bytes from the keyboard, the mouse and the controller
 * itself queue behind it and move in one at a time as the guest reads. IRQ 1 and IRQ 12 follow
 * the output buffer (held while a byte from that source waits and its interrupt is enabled in
 * the command byte). The output port's A20 and reset lines go to the board.
 *
 * Input from the host (i8042_key_event, i8042_mouse_event): keys are named by their scan code
 * set 1 make codes (IBM PC AT Technical Reference keyboard tables; I8042_KEY_E0 marks the keys
 * sent with an E0h prefix) and reach the guest in the keyboard's current set: set 1, or set 2
 * (break codes F0h-prefixed), which the controller translates back to set 1 when the command
 * byte's XLAT bit is set, as the 8042 does for every scan code it passes. Set 3 is sent as set 2
 * (its key codes differ only for keys vireo's front ends send rarely). Device responses (ACK,
 * IDs) are never translated. The mouse reports movement in 3-byte stream packets (4 bytes with
 * a wheel once the guest asked for IntelliMouse ID 3), only while reporting is enabled and not
 * in remote mode.
 */
#ifndef VIREO_HW_INPUT_I8042_H
#define VIREO_HW_INPUT_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot/state_table.h"
#include "softmmu/ioport.h"
#include "system/irq.h"

#define I8042_DATA_PORT 0x60
#define I8042_STATUS_PORT 0x64
#define I8042_QUEUE_SIZE 16

/* Status register (port 64h read). */
enum {
    I8042_STR_OBF = 1u << 0,
    I8042_STR_IBF = 1u << 1,
    I8042_STR_SYS = 1u << 2,
    I8042_STR_CMD = 1u << 3,    /* the last write was to port 64h */
    I8042_STR_UNLOCKED = 1u << 4, /* keyboard inhibit switch off */
    I8042_STR_AUX = 1u << 5,    /* the output buffer holds a mouse byte */
};

/* Command byte. */
enum {
    I8042_CCB_KBD_INT = 1u << 0,
    I8042_CCB_AUX_INT = 1u << 1,
    I8042_CCB_SYS = 1u << 2,
    I8042_CCB_KBD_DISABLE = 1u << 4,
    I8042_CCB_AUX_DISABLE = 1u << 5,
    I8042_CCB_XLAT = 1u << 6,
};

/* Output port bits. */
enum { I8042_OUT_RESET = 1u << 0, I8042_OUT_A20 = 1u << 1 };

typedef struct Ps2Queue {
    uint8_t data[I8042_QUEUE_SIZE];
    uint8_t head, count;
} Ps2Queue;

typedef struct I8042State {
    uint8_t status;
    uint8_t ccb;
    uint8_t out_port;
    uint8_t out_byte;      /* the output buffer's byte when OBF */
    uint8_t pending_cmd;   /* controller command waiting for its data byte, or 0 */
    Ps2Queue kbd_queue, aux_queue;
    Ps2Queue ctrl_queue;   /* the controller's own replies: first, whatever is disabled */
    /* Keyboard. */
    uint8_t kbd_cmd;       /* keyboard command waiting for its argument, or 0 */
    uint8_t kbd_scancode_set;
    uint8_t kbd_leds;
    bool kbd_enabled;
    /* Mouse. */
    uint8_t aux_cmd;
    uint8_t aux_rate, aux_resolution;
    bool aux_scaling21, aux_enabled, aux_remote, aux_wrap;
    uint8_t aux_id;
    uint8_t aux_rate_history[3]; /* the last three sample rates: 200, 100, 80 asks for ID 3 */
    /* Host-side plumbing, not saved. */
    IrqLine irq_kbd, irq_aux;
    void (*set_a20)(void *opaque, bool is_enabled);
    void (*reset)(void *opaque);
    void *opaque;
} I8042State;

extern const StateDesc i8042_state_desc;

#define I8042_KEY_E0 0x100    /* an E0h-prefixed key: I8042_KEY_E0 | make code */
#define I8042_KEY_PAUSE 0x200 /* Pause: E1h 1Dh 45h, make only */

/* Mouse buttons for i8042_mouse_event. */
enum { I8042_BUTTON_LEFT = 1u << 0, I8042_BUTTON_RIGHT = 1u << 1, I8042_BUTTON_MIDDLE = 1u << 2 };

int i8042_init(I8042State *s, PortSpace *ports, IrqLine irq_kbd, IrqLine irq_aux);
void i8042_reset(I8042State *s);

/* A key pressed or released on the host (set 1 make code, see above). */
void i8042_key_event(I8042State *s, unsigned key, bool is_down);
/* Mouse motion (dx right, dy down, as screens count; dz wheel steps down) and buttons held. */
void i8042_mouse_event(I8042State *s, int dx, int dy, int dz, unsigned buttons);

#endif
