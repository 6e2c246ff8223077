// Small string and memory helpers for code that has no C library (the kernel
// and freestanding programs). Names are prefixed so they never clash with a
// libc that a program links in.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace base {

size_t str_length(const char* s);
size_t str_length_bounded(const char* s, size_t max);
bool str_equal(const char* a, const char* b);
bool str_starts_with(const char* s, const char* prefix);
// Copies at most size-1 bytes and always terminates (if size > 0).
void str_copy(char* dst, const char* src, size_t size);
void mem_copy(void* dst, const void* src, size_t n);
void mem_set(void* dst, int value, size_t n);
bool mem_equal(const void* a, const void* b, size_t n);
// Whether `byte` occurs in the n bytes at p.
bool mem_find_byte(const void* p, uint8_t byte, size_t n);

// Parses a decimal unsigned number that must fit in 32 bits.
// Returns false for empty input, non-digits, or overflow.
bool parse_u32(const char* s, uint32_t* out);

// A view of the next whitespace-separated word of a line, for parsers.
struct Word {
    const char* start;
    size_t length;
};
// Returns the next word at or after *cursor and advances *cursor past it;
// length is 0 when the line has no more words.
Word next_word(const char** cursor);
bool word_is(Word w, const char* literal);

}  // namespace base
