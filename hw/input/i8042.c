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
