/*
 * util/endian.h: unaligned little- and big-endian loads and stores on byte buffers. x86 guest
 * memory is little-endian; the helpers make no assumption about the host's byte order or
 * alignment rules (memcpy compiles to a plain load where the host allows it).
 */
#ifndef VIREO_UTIL_ENDIAN_H
#define VIREO_UTIL_ENDIAN_H

#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define VIREO_HOST_BIG_ENDIAN 1
#else
#define VIREO_HOST_BIG_ENDIAN 0
#endif

static inline uint16_t bswap16(uint16_t v)
{
    return __builtin_bswap16(v);
}

static inline uint32_t bswap32(uint32_t v)
{
    return __builtin_bswap32(v);
}

static inline uint64_t bswap64(uint64_t v)
{
    return __builtin_bswap64(v);
}

static inline uint16_t le_to_host16(uint16_t v)
{
    return VIREO_HOST_BIG_ENDIAN ? bswap16(v) : v;
}

static inline uint32_t le_to_host32(uint32_t v)
{
    return VIREO_HOST_BIG_ENDIAN ? bswap32(v) : v;
}

static inline uint64_t le_to_host64(uint64_t v)
{
    return VIREO_HOST_BIG_ENDIAN ? bswap64(v) : v;
}

static inline uint16_t be_to_host16(uint16_t v)
{
    return VIREO_HOST_BIG_ENDIAN ? v : bswap16(v);
}

static inline uint32_t be_to_host32(uint32_t v)
{
    return VIREO_HOST_BIG_ENDIAN ? v : bswap32(v);
}

static inline uint64_t be_to_host64(uint64_t v)
{
    return VIREO_HOST_BIG_ENDIAN ? v : bswap64(v);
}

static inline uint16_t ld_le16(const void *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof(v));
    return le_to_host16(v);
}

static inline uint32_t ld_le32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return le_to_host32(v);
}

static inline uint64_t ld_le64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return le_to_host64(v);
}

static inline void st_le16(void *p, uint16_t v)
{
    v = le_to_host16(v);
    memcpy(p, &v, sizeof(v));
}

static inline void st_le32(void *p, uint32_t v)
{
    v = le_to_host32(v);
    memcpy(p, &v, sizeof(v));
}

static inline void st_le64(void *p, uint64_t v)
{
    v = le_to_host64(v);
    memcpy(p, &v, sizeof(v));
}

static inline uint16_t ld_be16(const void *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof(v));
    return be_to_host16(v);
}

static inline uint32_t ld_be32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return be_to_host32(v);
}

static inline uint64_t ld_be64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return be_to_host64(v);
}

static inline void st_be16(void *p, uint16_t v)
{
    v = be_to_host16(v);
    memcpy(p, &v, sizeof(v));
}

static inline void st_be32(void *p, uint32_t v)
{
    v = be_to_host32(v);
    memcpy(p, &v, sizeof(v));
}

static inline void st_be64(void *p, uint64_t v)
{
    v = be_to_host64(v);
    memcpy(p, &v, sizeof(v));
}

#endif
