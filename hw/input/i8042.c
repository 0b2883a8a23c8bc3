/* hw/input/i8042.c: the 8042 controller, PS/2 keyboard and mouse (see i8042.h). */
#include "hw/input/i8042.h"

#include <stdio.h>
#include <string.h>

#include "util/log.h"

#define ACK 0xfa
#define RESEND 0xfe
#define BAT_OK 0xaa
#define KBD_ID0 0xab
#define KBD_ID1 0x83
#define INPUT_PORT 0x80 /* keyboard not inhibited */

/* Controller commands (port 64h). */
enum {
    CMD_READ_CCB = 0x20, CMD_WRITE_CCB = 0x60, CMD_AUX_DISABLE = 0xa7, CMD_AUX_ENABLE = 0xa8,
    CMD_AUX_TEST = 0xa9, CMD_SELF_TEST = 0xaa, CMD_KBD_TEST = 0xab, CMD_KBD_DISABLE = 0xad,
    CMD_KBD_ENABLE = 0xae, CMD_READ_INPUT = 0xc0, CMD_READ_OUTPUT = 0xd0,
    CMD_WRITE_OUTPUT = 0xd1, CMD_WRITE_KBD_OBUF = 0xd2, CMD_WRITE_AUX_OBUF = 0xd3,
    CMD_WRITE_AUX = 0xd4, CMD_A20_OFF = 0xdd, CMD_A20_ON = 0xdf, CMD_READ_TEST = 0xe0,
    CMD_PULSE_FIRST = 0xf0,
};

static void queue_push(Ps2Queue *q, uint8_t b)
{
    if (q->count == I8042_QUEUE_SIZE) {
        return; /* a real device would have stopped talking: drop */
    }
    q->data[(q->head + q->count) % I8042_QUEUE_SIZE] = b;
    q->count++;
}

static uint8_t queue_pop(Ps2Queue *q)
{
    uint8_t b = q->data[q->head];
    q->head = (uint8_t)((q->head + 1) % I8042_QUEUE_SIZE);
    q->count--;
    return b;
}

static void update_irqs(I8042State *s)
{
    bool full = s->status & I8042_STR_OBF, aux = s->status & I8042_STR_AUX;
    irq_set(&s->irq_kbd, full && !aux && (s->ccb & I8042_CCB_KBD_INT));
    irq_set(&s->irq_aux, full && aux && (s->ccb & I8042_CCB_AUX_INT));
}

/* Moves the next waiting byte into the output buffer if it is free. */
static void fill_output(I8042State *s)
{
    if (!(s->status & I8042_STR_OBF)) {
        if (s->ctrl_queue.count) {
            s->out_byte = queue_pop(&s->ctrl_queue);
            s->status = (uint8_t)((s->status | I8042_STR_OBF) & ~I8042_STR_AUX);
        } else if (s->kbd_queue.count && !(s->ccb & I8042_CCB_KBD_DISABLE)) {
            s->out_byte = queue_pop(&s->kbd_queue);
            s->status = (uint8_t)((s->status | I8042_STR_OBF) & ~I8042_STR_AUX);
        } else if (s->aux_queue.count && !(s->ccb & I8042_CCB_AUX_DISABLE)) {
            s->out_byte = queue_pop(&s->aux_queue);
            s->status |= I8042_STR_OBF | I8042_STR_AUX;
        }
    }
    update_irqs(s);
}

static void kbd_send(I8042State *s, uint8_t b)
{
    queue_push(&s->kbd_queue, b);
    fill_output(s);
}

static void controller_reply(I8042State *s, uint8_t b)
{
    queue_push(&s->ctrl_queue, b);
    fill_output(s);
}

static void aux_send(I8042State *s, uint8_t b)
{
    queue_push(&s->aux_queue, b);
    fill_output(s);
}

static void kbd_defaults(I8042State *s)
{
    s->kbd_scancode_set = 2;
    s->kbd_leds = 0;
}

static void aux_defaults(I8042State *s)
{
    s->aux_rate = 100;
    s->aux_resolution = 2;
    s->aux_scaling21 = false;
    s->aux_enabled = false;
    s->aux_remote = false;
}

/* A byte from the host to the keyboard. */
static void kbd_write(I8042State *s, uint8_t b)
{
    if (s->kbd_cmd) {
        uint8_t cmd = s->kbd_cmd;
        s->kbd_cmd = 0;
        if (cmd == 0xed) {
            s->kbd_leds = b & 7;
            kbd_send(s, ACK);
            return;
        }
        if (cmd == 0xf0) {
            kbd_send(s, ACK);
            if (b == 0) {
                kbd_send(s, s->kbd_scancode_set);
            } else if (b <= 3) {
                s->kbd_scancode_set = b;
            }
            return;
        }
        if (cmd == 0xf3) {
            kbd_send(s, ACK);
            return;
        }
    }
    switch (b) {
    case 0xff:
        kbd_defaults(s);
        s->kbd_enabled = true;
        kbd_send(s, ACK);
        kbd_send(s, BAT_OK);
        break;
    case 0xf2:
        kbd_send(s, ACK);
        kbd_send(s, KBD_ID0);
        kbd_send(s, KBD_ID1);
        break;
    case 0xed:
    case 0xf0:
    case 0xf3:
        s->kbd_cmd = b;
        kbd_send(s, ACK);
        break;
    case 0xee:
        kbd_send(s, 0xee);
        break;
    case 0xf4:
        s->kbd_enabled = true;
        kbd_send(s, ACK);
        break;
    case 0xf5:
        kbd_defaults(s);
        s->kbd_enabled = false;
        kbd_send(s, ACK);
        break;
    case 0xf6:
        kbd_defaults(s);
        kbd_send(s, ACK);
        break;
    case 0xf7: case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc: case 0xfd:
        kbd_send(s, ACK); /* scan code set 3 key types: accepted, no effect in sets 1, 2 */
        break;
    default:
        kbd_send(s, RESEND);
        break;
    }
}

/* ---- host input --------------------------------------------------------------------------- */

/* Scan code set 2 for each set 1 make code (the inverse of the 8042's translation table for
 * the codes keys send; 0: no such key). The E0h-prefixed keys use the same codes. */
static const uint8_t set1_to_set2[0x60] = {
    [0x01] = 0x76, [0x02] = 0x16, [0x03] = 0x1e, [0x04] = 0x26, [0x05] = 0x25, [0x06] = 0x2e,
    [0x07] = 0x36, [0x08] = 0x3d, [0x09] = 0x3e, [0x0a] = 0x46, [0x0b] = 0x45, [0x0c] = 0x4e,
    [0x0d] = 0x55, [0x0e] = 0x66, [0x0f] = 0x0d, [0x10] = 0x15, [0x11] = 0x1d, [0x12] = 0x24,
    [0x13] = 0x2d, [0x14] = 0x2c, [0x15] = 0x35, [0x16] = 0x3c, [0x17] = 0x43, [0x18] = 0x44,
    [0x19] = 0x4d, [0x1a] = 0x54, [0x1b] = 0x5b, [0x1c] = 0x5a, [0x1d] = 0x14, [0x1e] = 0x1c,
    [0x1f] = 0x1b, [0x20] = 0x23, [0x21] = 0x2b, [0x22] = 0x34, [0x23] = 0x33, [0x24] = 0x3b,
    [0x25] = 0x42, [0x26] = 0x4b, [0x27] = 0x4c, [0x28] = 0x52, [0x29] = 0x0e, [0x2a] = 0x12,
    [0x2b] = 0x5d, [0x2c] = 0x1a, [0x2d] = 0x22, [0x2e] = 0x21, [0x2f] = 0x2a, [0x30] = 0x32,
    [0x31] = 0x31, [0x32] = 0x3a, [0x33] = 0x41, [0x34] = 0x49, [0x35] = 0x4a, [0x36] = 0x59,
    [0x37] = 0x7c, [0x38] = 0x11, [0x39] = 0x29, [0x3a] = 0x58, [0x3b] = 0x05, [0x3c] = 0x06,
    [0x3d] = 0x04, [0x3e] = 0x0c, [0x3f] = 0x03, [0x40] = 0x0b, [0x41] = 0x83, [0x42] = 0x0a,
    [0x43] = 0x01, [0x44] = 0x09, [0x45] = 0x77, [0x46] = 0x7e, [0x47] = 0x6c, [0x48] = 0x75,
    [0x49] = 0x7d, [0x4a] = 0x7b, [0x4b] = 0x6b, [0x4c] = 0x73, [0x4d] = 0x74, [0x4e] = 0x79,
    [0x4f] = 0x69, [0x50] = 0x72, [0x51] = 0x7a, [0x52] = 0x70, [0x53] = 0x71, [0x54] = 0x84,
    [0x56] = 0x61, [0x57] = 0x78, [0x58] = 0x07, [0x5b] = 0x1f, [0x5c] = 0x27, [0x5d] = 0x2f,
};

/* Whether the guest receives set 1 codes: the keyboard's set 1, or set 2 through XLAT. */
static bool sends_set1(const I8042State *s)
{
    return s->kbd_scancode_set == 1 || (s->ccb & I8042_CCB_XLAT);
}

void i8042_key_event(I8042State *s, unsigned key, bool is_down)
{
    if (!s->kbd_enabled) {
        return;
    }
    if (I8042_QUEUE_SIZE - s->kbd_queue.count < 8) {
        return; /* the keyboard's buffer is full: the key is lost, never half a sequence */
    }
    bool set1 = sends_set1(s);
    if (key == I8042_KEY_PAUSE) {
        static const uint8_t pause1[] = { 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5 };
        static const uint8_t pause2[] = { 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77 };
        if (is_down) {
            const uint8_t *p = set1 ? pause1 : pause2;
            size_t n = set1 ? sizeof(pause1) : sizeof(pause2);
            for (size_t i = 0; i < n; i++) {
                kbd_send(s, p[i]);
            }
        }
        return;
    }
    uint8_t code = key & 0x7f;
    if ((key & ~(I8042_KEY_E0 | 0x7fu)) || code >= sizeof(set1_to_set2) || !set1_to_set2[code]) {
        return;
    }
    if (key & I8042_KEY_E0) {
        kbd_send(s, 0xe0);
    }
    if (set1) {
        kbd_send(s, (uint8_t)(code | (is_down ? 0 : 0x80)));
        return;
    }
    if (!is_down) {
        kbd_send(s, 0xf0);
    }
    kbd_send(s, set1_to_set2[code]);
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void i8042_mouse_event(I8042State *s, int dx, int dy, int dz, unsigned buttons)
{
    if (!s->aux_enabled || s->aux_remote || s->aux_wrap) {
        return;
    }
    if (I8042_QUEUE_SIZE - s->aux_queue.count < 4) {
        return; /* no room for a whole packet: this motion is lost */
    }
    /* PS/2 counts y upwards; a packet holds 9-bit two's complement movements. */
    int x = clamp(dx, -256, 255), y = clamp(-dy, -256, 255);
    uint8_t b0 = (uint8_t)(0x08 | (buttons & 7) | (x < 0 ? 0x10 : 0) | (y < 0 ? 0x20 : 0));
    aux_send(s, b0);
    aux_send(s, (uint8_t)x);
    aux_send(s, (uint8_t)y);
    if (s->aux_id == 3) {
        aux_send(s, (uint8_t)(clamp(dz, -8, 7) & 0x0f));
    }
}

/* A byte from the host to the mouse (controller command D4h). */
static void aux_write(I8042State *s, uint8_t b)
{
    if (s->aux_wrap && b != 0xec && b != 0xff) {
        aux_send(s, b);
        return;
    }
    if (s->aux_cmd) {
        uint8_t cmd = s->aux_cmd;
        s->aux_cmd = 0;
        if (cmd == 0xf3) {
            s->aux_rate = b;
            memmove(s->aux_rate_history, s->aux_rate_history + 1, 2);
            s->aux_rate_history[2] = b;
            /* The IntelliMouse knock: rates 200, 100, 80 make the ID 3 (wheel). */
            if (s->aux_rate_history[0] == 200 && s->aux_rate_history[1] == 100 && b == 80) {
                s->aux_id = 3;
            }
        } else {
            s->aux_resolution = b & 3;
        }
        aux_send(s, ACK);
        return;
    }
    switch (b) {
    case 0xff:
        aux_defaults(s);
        s->aux_wrap = false;
        s->aux_id = 0;
        aux_send(s, ACK);
        aux_send(s, BAT_OK);
        aux_send(s, 0x00);
        break;
    case 0xf6:
        aux_defaults(s);
        aux_send(s, ACK);
        break;
    case 0xf5:
        s->aux_enabled = false;
        aux_send(s, ACK);
        break;
    case 0xf4:
        s->aux_enabled = true;
        aux_send(s, ACK);
        break;
    case 0xf3:
    case 0xe8:
        s->aux_cmd = b;
        aux_send(s, ACK);
        break;
    case 0xf2:
        aux_send(s, ACK);
        aux_send(s, s->aux_id);
        break;
    case 0xf0:
    case 0xea:
        s->aux_remote = b == 0xf0;
        aux_send(s, ACK);
        break;
    case 0xeb: /* read data: no motion, no buttons */
        aux_send(s, ACK);
        aux_send(s, 0x08);
        aux_send(s, 0);
        aux_send(s, 0);
        if (s->aux_id == 3) {
            aux_send(s, 0);
        }
        break;
    case 0xe9:
        aux_send(s, ACK);
        aux_send(s, (uint8_t)((s->aux_remote ? 0x40 : 0) | (s->aux_enabled ? 0x20 : 0) |
                              (s->aux_scaling21 ? 0x10 : 0)));
        aux_send(s, s->aux_resolution);
        aux_send(s, s->aux_rate);
        break;
    case 0xe6:
    case 0xe7:
        s->aux_scaling21 = b == 0xe7;
        aux_send(s, ACK);
        break;
    case 0xee:
    case 0xec:
        s->aux_wrap = b == 0xee;
        aux_send(s, ACK);
        break;
    default:
        aux_send(s, RESEND);
        break;
    }
}

static void write_output_port(I8042State *s, uint8_t v)
{
    uint8_t old = s->out_port;
    s->out_port = v;
    if (((old ^ v) & I8042_OUT_A20) && s->set_a20) {
        s->set_a20(s->opaque, (v & I8042_OUT_A20) != 0);
    }
    if (!(v & I8042_OUT_RESET) && s->reset) {
        s->reset(s->opaque); /* the reset line is active low */
    }
}

static void controller_command(I8042State *s, uint8_t cmd)
{
    switch (cmd) {
    case CMD_READ_CCB:
        controller_reply(s, s->ccb);
        break;
    case CMD_AUX_DISABLE:
        s->ccb |= I8042_CCB_AUX_DISABLE;
        break;
    case CMD_AUX_ENABLE:
        s->ccb &= (uint8_t)~I8042_CCB_AUX_DISABLE;
        fill_output(s);
        break;
    case CMD_AUX_TEST:
    case CMD_KBD_TEST:
        controller_reply(s, 0x00); /* no error */
        break;
    case CMD_SELF_TEST:
        controller_reply(s, 0x55);
        break;
    case CMD_KBD_DISABLE:
        s->ccb |= I8042_CCB_KBD_DISABLE;
        break;
    case CMD_KBD_ENABLE:
        s->ccb &= (uint8_t)~I8042_CCB_KBD_DISABLE;
        fill_output(s);
        break;
    case CMD_READ_INPUT:
        controller_reply(s, INPUT_PORT);
        break;
    case CMD_READ_OUTPUT:
        controller_reply(s, s->out_port);
        break;
    case CMD_READ_TEST:
        controller_reply(s, 0x00);
        break;
    case CMD_WRITE_CCB:
    case CMD_WRITE_OUTPUT:
    case CMD_WRITE_KBD_OBUF:
    case CMD_WRITE_AUX_OBUF:
    case CMD_WRITE_AUX:
        s->pending_cmd = cmd;
        break;
    case CMD_A20_OFF:
        write_output_port(s, s->out_port & (uint8_t)~I8042_OUT_A20);
        break;
    case CMD_A20_ON:
        write_output_port(s, s->out_port | I8042_OUT_A20);
        break;
    default:
        if (cmd >= CMD_PULSE_FIRST) {
            /* Pulse output port bits 0-3 low for each 0 bit: bit 0 is the reset line. */
            if (!(cmd & 1) && s->reset) {
                s->reset(s->opaque);
            }
        } else {
            log_guest_error("i8042: unknown controller command %#x", cmd);
        }
        break;
    }
}

static void controller_data(I8042State *s, uint8_t cmd, uint8_t b)
{
    switch (cmd) {
    case CMD_WRITE_CCB:
        s->ccb = b & 0x77;
        s->status = (uint8_t)((s->status & ~I8042_STR_SYS) | (b & I8042_CCB_SYS));
        fill_output(s);
        break;
    case CMD_WRITE_OUTPUT:
        write_output_port(s, b);
        break;
    case CMD_WRITE_KBD_OBUF:
        kbd_send(s, b);
        break;
    case CMD_WRITE_AUX_OBUF:
        aux_send(s, b);
        break;
    default:
        aux_write(s, b);
        break;
    }
}

static uint64_t data_read(void *opaque, uint64_t offset, unsigned size)
{
    I8042State *s = opaque;
    (void)offset;
    (void)size;
    uint8_t b = s->out_byte; /* an empty buffer reads as its last byte */
    s->status &= (uint8_t)~(I8042_STR_OBF | I8042_STR_AUX);
    /* The line drops with the buffer emptied, so the next byte raises a new edge (the ISA
     * interrupts are edge-triggered: one interrupt a byte). */
    update_irqs(s);
    fill_output(s);
    return b;
}

static void data_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    I8042State *s = opaque;
    uint8_t b = (uint8_t)value;
    (void)offset;
    (void)size;
    s->status &= (uint8_t)~I8042_STR_CMD;
    if (s->pending_cmd) {
        uint8_t cmd = s->pending_cmd;
        s->pending_cmd = 0;
        controller_data(s, cmd, b);
        return;
    }
    /* Writing to the keyboard enables its interface (AT technical reference). */
    s->ccb &= (uint8_t)~I8042_CCB_KBD_DISABLE;
    kbd_write(s, b);
}

static uint64_t status_read(void *opaque, uint64_t offset, unsigned size)
{
    I8042State *s = opaque;
    (void)offset;
    (void)size;
    return s->status;
}

static void command_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    I8042State *s = opaque;
    (void)offset;
    (void)size;
    s->status |= I8042_STR_CMD;
    s->pending_cmd = 0;
    controller_command(s, (uint8_t)value);
}

/* Ports 60h and 64h, byte-wide (61h-63h belong to other devices). */
static const IoOps data_ops = {
    .read = data_read, .write = data_write, .min_size = 1, .max_size = 1,
};
static const IoOps status_ops = {
    .read = status_read, .write = command_write, .min_size = 1, .max_size = 1,
};

void i8042_reset(I8042State *s)
{
    s->status = I8042_STR_UNLOCKED | I8042_STR_SYS;
    s->ccb = I8042_CCB_KBD_INT | I8042_CCB_AUX_INT | I8042_CCB_SYS | I8042_CCB_XLAT;
    s->out_port = I8042_OUT_RESET | I8042_OUT_A20;
    s->out_byte = 0;
    s->pending_cmd = 0;
    memset(&s->kbd_queue, 0, sizeof(s->kbd_queue));
    memset(&s->aux_queue, 0, sizeof(s->aux_queue));
    memset(&s->ctrl_queue, 0, sizeof(s->ctrl_queue));
    s->kbd_cmd = 0;
    s->kbd_enabled = true;
    kbd_defaults(s);
    s->aux_cmd = 0;
    s->aux_wrap = false;
    s->aux_id = 0;
    memset(s->aux_rate_history, 0, sizeof(s->aux_rate_history));
    aux_defaults(s);
    update_irqs(s);
}

static int i8042_post_load(void *opaque, char *err, size_t err_size)
{
    I8042State *s = opaque;
    const Ps2Queue *q[3] = {&s->kbd_queue, &s->aux_queue, &s->ctrl_queue};
    static const char *const names[3] = {"kbd", "aux", "controller"};
    for (unsigned i = 0; i < 3; i++) {
        if (q[i]->head >= I8042_QUEUE_SIZE || q[i]->count > I8042_QUEUE_SIZE) {
            snprintf(err, err_size, "%s queue head %u count %u out of range", names[i],
                     q[i]->head, q[i]->count);
            return -1;
        }
    }
    update_irqs(s);
    return 0;
}

static const StateField queue_fields[] = {
    STATE_UINT_ARRAY(Ps2Queue, data, I8042_QUEUE_SIZE),
    STATE_U8(Ps2Queue, head),
    STATE_U8(Ps2Queue, count),
    STATE_END,
};

static const StateDesc queue_desc = {
    .name = "queue", .version = 1, .min_version = 1, .fields = queue_fields,
};

static const StateField i8042_fields[] = {
    STATE_U8(I8042State, status),
    STATE_U8(I8042State, ccb),
    STATE_U8(I8042State, out_port),
    STATE_U8(I8042State, out_byte),
    STATE_U8(I8042State, pending_cmd),
    STATE_STRUCT(I8042State, kbd_queue, queue_desc),
    STATE_STRUCT(I8042State, aux_queue, queue_desc),
    STATE_U8(I8042State, kbd_cmd),
    STATE_U8(I8042State, kbd_scancode_set),
    STATE_U8(I8042State, kbd_leds),
    STATE_BOOL(I8042State, kbd_enabled),
    STATE_U8(I8042State, aux_cmd),
    STATE_U8(I8042State, aux_rate),
    STATE_U8(I8042State, aux_resolution),
    STATE_BOOL(I8042State, aux_scaling21),
    STATE_BOOL(I8042State, aux_enabled),
    STATE_BOOL(I8042State, aux_remote),
    STATE_BOOL(I8042State, aux_wrap),
    STATE_U8(I8042State, aux_id),
    STATE_UINT_ARRAY(I8042State, aux_rate_history, 3),
    STATE_STRUCT(I8042State, ctrl_queue, queue_desc),
    STATE_END,
};

const StateDesc i8042_state_desc = {
    .name = "i8042", .version = 1, .min_version = 1, .fields = i8042_fields,
    .post_load = i8042_post_load,
};

int i8042_init(I8042State *s, PortSpace *ports, IrqLine irq_kbd, IrqLine irq_aux)
{
    s->irq_kbd = irq_kbd;
    s->irq_aux = irq_aux;
    i8042_reset(s);
    int r = port_space_register(ports, I8042_DATA_PORT, 1, &data_ops, s);
    if (r == 0) {
        r = port_space_register(ports, I8042_STATUS_PORT, 1, &status_ops, s);
    }
    return r;
}
