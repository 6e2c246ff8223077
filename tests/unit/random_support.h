// Seeds, knobs and the generator shared by the randomized model tests.
// RVOS_RANDOM_SEED=N reruns one seed; RVOS_RANDOM_SCALE=K multiplies the
// operation counts.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <vector>

namespace random_support {

inline uint64_t env_number(const char* name, uint64_t fallback) {
    const char* value = std::getenv(name);
    if (!value || !*value) return fallback;
    return std::strtoull(value, nullptr, 0);
}

// `count` consecutive seeds from `first`, or just RVOS_RANDOM_SEED if set.
inline std::vector<uint64_t> seeds(uint64_t first, size_t count) {
    if (const char* one = std::getenv("RVOS_RANDOM_SEED"); one && *one) return {std::strtoull(one, nullptr, 0)};
    std::vector<uint64_t> out;
    for (size_t i = 0; i < count; i++) out.push_back(first + i);
    return out;
}

inline size_t scaled(size_t ops) {
    return ops * static_cast<size_t>(std::max<uint64_t>(1, env_number("RVOS_RANDOM_SCALE", 1)));
}

// mt19937_64 is specified bit for bit, and `%` (unlike the <random>
// distributions) is too, so a seed means the same run everywhere.
class Rng {
public:
    explicit Rng(uint64_t seed) : engine_(seed) {}
    uint64_t next() { return engine_(); }
    size_t below(size_t n) { return n ? static_cast<size_t>(engine_() % n) : 0; }
    bool percent(unsigned p) { return below(100) < p; }
    template <typename T>
    const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }
    // An index of `weights` chosen with chance weights[i] / their sum (one
    // draw, so a seed's run stays the same); the sum must not be 0.
    template <size_t N>
    size_t weighted(const size_t (&weights)[N]) {
        size_t total = 0;
        for (size_t w : weights) total += w;
        size_t r = below(total), i = 0;
        while (r >= weights[i]) r -= weights[i++];
        return i;
    }

private:
    std::mt19937_64 engine_;
};

}  // namespace random_support
