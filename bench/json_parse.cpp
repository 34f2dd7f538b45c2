// What the checked parse costs: json::parse (src/util/json_parse.cpp) against
// rapidjson's own DOM parse with UTF-8 validation (what json::parse was before
// its checks), and oci::parse_spec (the hook's whole read of config.json), on
// the files given. Interleaved rounds; prints the median time per parse.
//   ninja -C build bench/json-parse-bench
//   build/bench/json-parse-bench ../shared/corpus/configs/rancher-os/console.spec.json ...
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "oci/spec.hpp"
#include "util/json.hpp"

namespace {

double micros_per_call(const std::function<void()>& f, int calls) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) f();
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
               .count() /
           calls;
}

}  // namespace

int main(int argc, char** argv) {
    constexpr int kRounds = 15;
    for (int a = 1; a < argc; ++a) {
        std::ifstream in(argv[a], std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string text = ss.str();
        const int calls = static_cast<int>(std::max<size_t>(20, 2000000 / (text.size() + 1)));
        bool ok = true;
        std::vector<std::pair<const char*, std::function<void()>>> runs = {
            {"rapidjson Parse<kParseValidateEncodingFlag>",
             [&] {
                 rapidjson::Document d;
                 d.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
                 ok = ok && !d.HasParseError();
             }},
            {"json::parse (checked)",
             [&] { ok = ok && osh::json::parse(text, "config.json").has_value(); }},
            {"oci::parse_spec",
             [&] { ok = ok && osh::oci::parse_spec(text, "config.json").has_value(); }},
        };
        std::vector<std::vector<double>> times(runs.size());
        for (int r = 0; r < kRounds; ++r)
            for (size_t i = 0; i < runs.size(); ++i)
                times[i].push_back(micros_per_call(runs[i].second, calls));
        std::printf("%s (%zu bytes)%s\n", argv[a], text.size(), ok ? "" : "  [a parse FAILED]");
        double base = 0;
        for (size_t i = 0; i < runs.size(); ++i) {
            std::sort(times[i].begin(), times[i].end());
            double median = times[i][times[i].size() / 2];
            if (i == 0) base = median;
            std::printf("  %-45s %9.1f us  %5.2fx\n", runs[i].first, median, median / base);
        }
    }
    return 0;
}
