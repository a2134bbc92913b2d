// librdkafka, found through pkg-config `rdkafka` (2.8 or newer: scripts/setup builds it).
#include <librdkafka/rdkafka.h>

// rd_kafka_producev is variadic, which Swift cannot call: this fixes the arguments Inkwell uses.
// On success librdkafka owns `headers`; on failure the caller still does.
static inline rd_kafka_resp_err_t inkwell_produce(rd_kafka_t *rk, const char *topic,
                                                  const void *key, size_t key_size,
                                                  const void *value, size_t value_size,
                                                  rd_kafka_headers_t *headers, void *opaque) {
    return rd_kafka_producev(rk,
                             RD_KAFKA_V_TOPIC(topic),
                             RD_KAFKA_V_KEY(key, key_size),
                             RD_KAFKA_V_VALUE((void *)value, value_size),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_HEADERS(headers),
                             RD_KAFKA_V_OPAQUE(opaque),
                             RD_KAFKA_V_END);
}
