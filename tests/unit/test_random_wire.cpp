// Randomized tests of the wire format (lib/wire), against a byte-level model:
//   * random sequences of Writer puts, then the same fields read back;
//   * random messages (random bytes, random len) fed to random Reader calls,
//     each compared with what the bytes and len allow; the Message lives in
//     an allocation of exactly its size, so ASan reports any read past it;
//   * messages with len > kMessagePayload are refused outright.
//
// Every run is seeded and deterministic; a failure names its seed and case.
// Rerun one seed with RVOS_RANDOM_SEED=<seed>, scale with RVOS_RANDOM_SCALE.
#include <gtest/gtest.h>

#include "random_support.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "wire/wire.h"

using rvos::kMessagePayload;
using rvos::Message;
using wire::Reader;
using wire::Writer;

namespace {

using random_support::Rng;
using random_support::scaled;
using random_support::seeds;

// A Message in a heap block of exactly sizeof(Message), filled with junk.
std::unique_ptr<Message> junk_message(Rng& rng) {
    auto m = std::make_unique<Message>();
    auto* bytes = reinterpret_cast<uint8_t*>(m.get());
    for (size_t i = 0; i < sizeof(Message); i++) bytes[i] = static_cast<uint8_t>(rng.next());
    return m;
}

uint64_t little_endian(const uint8_t* p, size_t n) {
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) v = v << 8 | p[i];
    return v;
}

enum class Field { U8, U16, U32, U64, I32, Str, CStr, Bytes, Count };
size_t width(Field f) {
    switch (f) {
    case Field::U8: return 1;
    case Field::U16: return 2;
    case Field::U32: case Field::I32: return 4;
    case Field::U64: return 8;
    default: return 0;
    }
}

struct Put {
    Field field;
    uint64_t value;    // integers
    std::string text;  // strings and byte runs
};

// ---- Writer puts, then Reader gets --------------------------------------------------

TEST(RandomWire, RandomWriterSequencesReadBackAndNeverOverflow) {
    size_t cases = 0;
    for (uint64_t seed : seeds(1, 8)) {
        Rng rng(seed);
        for (size_t c = 0; c < scaled(500); c++, cases++) {
            SCOPED_TRACE(::testing::Message() << "seed " << seed << " case " << c
                                              << " (rerun: RVOS_RANDOM_SEED=" << seed << ")");
            auto m = junk_message(rng);
            uint32_t tag = static_cast<uint32_t>(rng.next());
            Writer w(*m, tag);
            ASSERT_EQ(m->cap, rvos::kNoHandle);
            ASSERT_EQ(m->reserved, 0u);

            // The model: the bytes a correct writer has produced, and ok.
            std::vector<uint8_t> bytes;
            for (int i = 0; i < 4; i++) bytes.push_back(static_cast<uint8_t>(tag >> (8 * i)));
            bool ok = true;
            auto raw = [&](const void* p, size_t n) {
                if (!ok || n > kMessagePayload - bytes.size()) {
                    ok = false;
                    return;
                }
                auto* b = static_cast<const uint8_t*>(p);
                bytes.insert(bytes.end(), b, b + n);
            };

            std::vector<Put> accepted;  // the fields written while still ok
            size_t puts = 1 + rng.below(12);
            for (size_t i = 0; i < puts; i++) {
                Put put{static_cast<Field>(rng.below(static_cast<size_t>(Field::Count))), rng.next(), {}};
                bool was_ok = ok;
                switch (put.field) {
                case Field::U8: w.put_u8(static_cast<uint8_t>(put.value)); raw(&put.value, 1); break;
                case Field::U16: w.put_u16(static_cast<uint16_t>(put.value)); raw(&put.value, 2); break;
                case Field::U32: w.put_u32(static_cast<uint32_t>(put.value)); raw(&put.value, 4); break;
                case Field::U64: w.put_u64(put.value); raw(&put.value, 8); break;
                case Field::I32: w.put_i32(static_cast<int32_t>(put.value)); raw(&put.value, 4); break;
                case Field::Str:
                case Field::CStr: {
                    size_t n = rng.percent(5) ? 256 + rng.below(50) : rng.below(rng.percent(70) ? 12 : 70);
                    for (size_t k = 0; k < n; k++)
                        put.text.push_back(static_cast<char>(put.field == Field::CStr ? 'a' + rng.below(26) : rng.next()));
                    if (put.field == Field::CStr) w.put_str(put.text.c_str());
                    else w.put_str(put.text.data(), n);
                    if (n > 255) {
                        ok = false;  // refused before anything is written
                    } else {
                        uint8_t length = static_cast<uint8_t>(n);
                        raw(&length, 1);  // the length byte, then the text
                        raw(put.text.data(), n);
                    }
                    break;
                }
                case Field::Bytes: {
                    size_t n = rng.below(rng.percent(70) ? 12 : 70);
                    for (size_t k = 0; k < n; k++) put.text.push_back(static_cast<char>(rng.next()));
                    w.put_bytes(put.text.data(), n);
                    raw(put.text.data(), n);
                    break;
                }
                default: break;
                }
                if (was_ok && ok) accepted.push_back(put);
                ASSERT_EQ(w.ok(), ok) << "after put " << i;
                ASSERT_EQ(m->len, bytes.size()) << "after put " << i;
                ASSERT_LE(m->len, kMessagePayload);
                ASSERT_EQ(w.remaining(), kMessagePayload - m->len);
                ASSERT_EQ(std::memcmp(m->data, bytes.data(), bytes.size()), 0) << "payload bytes after put " << i;
            }

            // Read the accepted fields back.
            Reader r(*m);
            ASSERT_EQ(r.tag(), tag);
            size_t position = 4;
            for (size_t i = 0; i < accepted.size(); i++) {
                const Put& put = accepted[i];
                switch (put.field) {
                case Field::U8: ASSERT_EQ(r.get_u8(), static_cast<uint8_t>(put.value)); break;
                case Field::U16: ASSERT_EQ(r.get_u16(), static_cast<uint16_t>(put.value)); break;
                case Field::U32: ASSERT_EQ(r.get_u32(), static_cast<uint32_t>(put.value)); break;
                case Field::U64: ASSERT_EQ(r.get_u64(), put.value); break;
                case Field::I32: ASSERT_EQ(r.get_i32(), static_cast<int32_t>(put.value)); break;
                case Field::Str:
                case Field::CStr: {
                    // A buffer of exactly the needed size, or a little more.
                    size_t size = put.text.size() + 1 + (rng.percent(50) ? rng.below(4) : 0);
                    std::unique_ptr<char[]> buffer(new char[size]);
                    ASSERT_TRUE(r.get_str(buffer.get(), size)) << "field " << i;
                    ASSERT_EQ(std::memcmp(buffer.get(), put.text.data(), put.text.size()), 0) << "field " << i;
                    ASSERT_EQ(buffer[put.text.size()], '\0');
                    position += 1 + put.text.size();
                    continue;
                }
                case Field::Bytes: {
                    ASSERT_GE(r.rest_length(), put.text.size());
                    ASSERT_EQ(std::memcmp(r.rest(), put.text.data(), put.text.size()), 0) << "field " << i;
                    // Skip the run by reading it byte by byte.
                    for (size_t k = 0; k < put.text.size(); k++) ASSERT_EQ(r.get_u8(), static_cast<uint8_t>(put.text[k]));
                    position += put.text.size();
                    continue;
                }
                default: break;
                }
                position += width(put.field);
                ASSERT_TRUE(r.ok()) << "field " << i;
            }
            ASSERT_TRUE(r.ok());
            // Only a length byte written before a refused string can remain.
            ASSERT_EQ(r.rest_length(), m->len - position);
            ASSERT_LE(r.rest_length(), 1u);
            ASSERT_EQ(r.rest(), m->data + position);
            // One more read than was written fails, and stays failed.
            if (r.rest_length() == 0) {
                r.get_u8();
                ASSERT_FALSE(r.ok());
                ASSERT_EQ(r.rest_length(), 0u);
                ASSERT_EQ(r.get_u32(), 0u);
            }
        }
    }
    RecordProperty("cases", static_cast<int>(cases));
}

// ---- Random messages into random reads ----------------------------------------

// The model reader: position, ok, and the bytes the message really has.
struct ModelReader {
    const Message& m;
    size_t position = 0;
    bool ok;
    explicit ModelReader(const Message& message) : m(message), ok(message.len <= kMessagePayload) {}
    // The value a get of n bytes returns (0 on failure).
    uint64_t get(size_t n) {
        if (!ok || n > m.len - position) {
            ok = false;
            return 0;
        }
        uint64_t v = little_endian(m.data + position, n);
        position += n;
        return v;
    }
};

TEST(RandomWire, RandomMessagesNeverReadPastLenOrTheMessage) {
    size_t reads = 0;
    for (uint64_t seed : seeds(101, 8)) {
        Rng rng(seed);
        for (size_t c = 0; c < scaled(1000); c++) {
            SCOPED_TRACE(::testing::Message() << "seed " << seed << " case " << c
                                              << " (rerun: RVOS_RANDOM_SEED=" << seed << ")");
            auto m = junk_message(rng);
            unsigned r = static_cast<unsigned>(rng.below(100));
            if (r < 85) m->len = static_cast<uint32_t>(rng.below(kMessagePayload + 1));
            else if (r < 93) m->len = static_cast<uint32_t>(kMessagePayload + 1 + rng.below(64));
            else m->len = static_cast<uint32_t>(rng.next() | 0x80000000u);
            // Plausible string lengths now and then, so get_str gets past its checks.
            for (size_t i = 0; i < kMessagePayload; i++)
                if (rng.percent(20)) m->data[i] = static_cast<uint8_t>(rng.below(24));

            Reader reader(*m);
            ModelReader model(*m);
            ASSERT_EQ(reader.ok(), model.ok);
            size_t gets = 1 + rng.below(24);
            for (size_t g = 0; g < gets; g++, reads++) {
                unsigned kind = static_cast<unsigned>(rng.below(8));
                switch (kind) {
                case 0: ASSERT_EQ(reader.get_u8(), model.get(1)) << "get " << g; break;
                case 1: ASSERT_EQ(reader.get_u16(), model.get(2)) << "get " << g; break;
                case 2: ASSERT_EQ(reader.get_u32(), model.get(4)) << "get " << g; break;
                case 3: ASSERT_EQ(reader.get_u64(), model.get(8)) << "get " << g; break;
                case 4: ASSERT_EQ(static_cast<uint32_t>(reader.get_i32()), model.get(4)) << "get " << g; break;
                case 5: ASSERT_EQ(reader.tag(), model.get(4)) << "get " << g; break;
                default: {
                    // get_str into a buffer of exactly `size` bytes.
                    size_t size = rng.below(40);
                    std::unique_ptr<char[]> buffer(new char[size ? size : 1]);
                    std::memset(buffer.get(), 0x7E, size ? size : 1);
                    size_t length = static_cast<size_t>(model.get(1));
                    bool expect = model.ok && length + 1 <= size && length <= m->len - model.position;
                    bool got = reader.get_str(buffer.get(), size);
                    ASSERT_EQ(got, expect) << "get_str " << g << " size " << size;
                    if (expect) {
                        ASSERT_EQ(std::memcmp(buffer.get(), m->data + model.position, length), 0);
                        ASSERT_EQ(buffer[length], '\0');
                        model.position += length;
                    } else {
                        model.ok = false;
                        if (size) {
                            ASSERT_EQ(buffer[0], '\0') << "a failed get_str leaves an empty string";
                        }
                        for (size_t i = 1; i < size; i++) ASSERT_EQ(buffer[i], 0x7E) << "failed get_str wrote byte " << i;
                    }
                    break;
                }
                }
                ASSERT_EQ(reader.ok(), model.ok) << "after get " << g;
                ASSERT_EQ(reader.rest_length(), model.ok ? m->len - model.position : 0u) << "after get " << g;
                if (model.ok) {
                    ASSERT_EQ(reader.rest(), m->data + model.position);
                    ASSERT_LE(model.position, m->len);
                }
            }
        }
    }
    RecordProperty("reads", static_cast<int>(reads));
}

TEST(RandomWire, LengthsOverThePayloadAreRejectedWhateverFollows) {
    for (uint64_t seed : seeds(201, 4)) {
        Rng rng(seed);
        for (size_t c = 0; c < scaled(500); c++) {
            SCOPED_TRACE(::testing::Message() << "seed " << seed << " case " << c
                                              << " (rerun: RVOS_RANDOM_SEED=" << seed << ")");
            auto m = junk_message(rng);
            m->len = rng.percent(50) ? static_cast<uint32_t>(kMessagePayload + 1 + rng.below(200))
                                     : static_cast<uint32_t>(rng.next() | (1ull << 31));
            Reader r(*m);
            ASSERT_FALSE(r.ok()) << "len " << m->len;
            ASSERT_EQ(r.rest_length(), 0u);
            ASSERT_EQ(r.tag(), 0u);
            ASSERT_EQ(r.get_u64(), 0u);
            char buffer[8];
            ASSERT_FALSE(r.get_str(buffer, sizeof buffer));
            ASSERT_EQ(buffer[0], '\0');
            ASSERT_FALSE(r.ok());
            ASSERT_EQ(r.rest_length(), 0u);
        }
    }
}

}  // namespace
