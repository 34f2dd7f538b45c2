#include <doctest/doctest.h>

#include <string>

#include "util/hex.hpp"
#include "util/sha256.hpp"

using namespace osh;

TEST_CASE("sha256: FIPS 180-4 vectors, on whichever path this CPU takes and on the portable one") {
    const std::string million(1000000, 'a');
    const struct {
        std::string in, hex;
    } vectors[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmn"
         "opqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
        {million, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
    };
    for (const auto& v : vectors) {
        CAPTURE(v.in.size());
        CHECK(sha256::hex_digest(v.in) == v.hex);
        CHECK(sha256::hex(sha256::digest_portable(v.in)) == v.hex);
    }
}

TEST_CASE(
    "sha256: both paths agree at every length around the block size, fed whole or in pieces") {
    std::string data;
    for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>((i * 131 + 7) & 0xff));
    for (size_t n = 0; n <= data.size(); ++n) {
        CAPTURE(n);
        const std::string_view s(data.data(), n);
        const auto whole = sha256::digest(s);
        CHECK(whole == sha256::digest_portable(s));
        sha256::Hasher h;
        h.update(s.substr(0, n / 3));
        h.update(s.substr(n / 3));
        CHECK(h.finish() == whole);
    }
}

TEST_CASE("hex: every byte round-trips; only lowercase pairs decode") {
    std::vector<uint8_t> all(256);
    for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
    const std::string text = hex::encode(all);
    CHECK(text.substr(0, 8) == "00010203");
    auto back = hex::decode(text);
    REQUIRE(back);
    CHECK(*back == all);
    CHECK(hex::decode("")->empty());
    CHECK_FALSE(hex::decode("0"));     // odd length
    CHECK_FALSE(hex::decode("0A"));    // uppercase: the plan is written lowercase
    CHECK_FALSE(hex::decode("0g"));
    CHECK_FALSE(hex::decode("g0"));
    CHECK_FALSE(hex::decode(std::string("0\0", 2)));
    CHECK_FALSE(hex::decode("00ff\xff" "0"));
    CHECK(*hex::decode("7f80") == std::vector<uint8_t>{0x7f, 0x80});
}
