// Typed reads of RapidJSON values that name the JSON Pointer of a bad field:
// every reader of a document from json::parse shares one error wording
// ("<origin>: /linux/devices/3/path: expected a string") and one member
// lookup that matches what Go's decoder reads.
#pragma once

#include <rapidjson/document.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "util/json.hpp"
#include "util/result.hpp"
#include "util/words.hpp"

namespace osh::json {

// A JSON Pointer spelled only when an error needs it: a hot reader (the
// enforcer's plan) passes a callable rather than building the string.
template <typename F>
concept PointerFn = std::is_invocable_r_v<std::string, const F&>;

class Reader {
    template <typename T>
    struct Held {
        using type = T;
    };
    template <typename T>
    struct Held<std::optional<T>> {
        using type = T;
    };

  public:
    explicit Reader(std::string_view origin) : origin_(origin) {}

    Unexpected<Error> error(const std::string& ptr, std::string_view what) const {
        return fail(std::string(origin_) + ": " + (ptr.empty() ? std::string("/") : ptr) + ": " +
                    std::string(what));
    }

    static std::string child(const std::string& ptr, std::string_view key) {
        return ptr + "/" + json::pointer_token(key);
    }
    static std::string child(const std::string& ptr, size_t index) {
        return ptr + "/" + std::to_string(index);
    }

    // The member `key` of the object `obj` at `ptr`, or nullptr when absent
    // or null (Go encoders write `null` for empty slices and maps: treat it as
    // absent). A member whose name differs from `key` only in letter case is
    // refused: Go's decoder (runc, containerd) reads it as `key`, where an
    // exact lookup would see nothing.
    Result<const rapidjson::Value*> member(const rapidjson::Value& obj, const std::string& ptr,
                                           std::string_view key) const {
        auto it = obj.FindMember(rapidjson::Value(
            rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
        if (it != obj.MemberEnd()) return it->value.IsNull() ? nullptr : &it->value;
        for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m) {
            std::string_view name(m->name.GetString(), m->name.GetStringLength());
            if (json::same_go_field(name, key))
                return error(child(ptr, name), "differs from " + json::quote(key) +
                                                   " only in letter case (Go's decoder, in runc "
                                                   "and containerd, reads it as " +
                                                   json::quote(key) + "); spell it " +
                                                   json::quote(key));
        }
        return nullptr;
    }

    // Reads the member `key` of `obj` (at `ptr`) with `read` into `out` when
    // it is present; leaves `out` alone otherwise.
    // (`read` reads `out`'s type, or what `out` holds when it is an
    // std::optional: so an overloaded reader resolves.)
    template <typename Out>
    Result<void> optional(const rapidjson::Value& obj, const std::string& ptr, std::string_view key,
                          Result<typename Held<Out>::type> (Reader::*read)(const rapidjson::Value&,
                                                                           const std::string&)
                              const,
                          Out& out) const {
        auto v = member(obj, ptr, key);
        if (!v) return unexpected(v.error());
        if (!*v) return {};
        auto r = (this->*read)(**v, child(ptr, key));
        if (!r) return unexpected(r.error());
        out = std::move(*r);
        return {};
    }

    // For a document with a fixed shape (ours): `obj` is an object holding
    // exactly the members `fields`, each present.
    Result<void> exactly(const rapidjson::Value& obj, const std::string& ptr,
                         std::initializer_list<std::string_view> fields) const {
        if (!obj.IsObject()) return error(ptr, "expected an object");
        for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m) {
            std::string_view name(m->name.GetString(), m->name.GetStringLength());
            bool known = false;
            for (auto f : fields) known = known || f == name;
            if (!known) return error(ptr, "unknown field " + json::quote(name));
        }
        for (auto f : fields)
            if (!obj.HasMember(rapidjson::Value(
                    rapidjson::StringRef(f.data(), static_cast<rapidjson::SizeType>(f.size())))))
                return error(ptr, "missing field " + json::quote(f));
        return {};
    }

    // The member `key` of an object `exactly` has checked.
    static const rapidjson::Value& at(const rapidjson::Value& obj, std::string_view key) {
        return obj[rapidjson::Value(
            rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size())))];
    }

    // A word of `table` (an enum's word table).
    template <typename E, size_t N, PointerFn F>
    Result<E> word(const rapidjson::Value& v, const F& ptr,
                   const std::array<words::Entry<E>, N>& table) const {
        if (!v.IsString()) return error(ptr(), "expected one of: " + words::list(table));
        auto e = words::parse(table, std::string_view(v.GetString(), v.GetStringLength()));
        if (!e)
            return error(ptr(), "unknown value " +
                                    json::quote({v.GetString(), v.GetStringLength()}) +
                                    "; allowed: " + words::list(table));
        return *e;
    }
    template <typename E, size_t N>
    Result<E> word(const rapidjson::Value& v, const std::string& ptr,
                   const std::array<words::Entry<E>, N>& table) const {
        return word(
            v, [&] { return ptr; }, table);
    }

    Result<void> expect_object(const rapidjson::Value& v, const std::string& ptr) const {
        if (!v.IsObject()) return error(ptr, "expected an object");
        return {};
    }
    Result<void> expect_array(const rapidjson::Value& v, const std::string& ptr) const {
        if (!v.IsArray()) return error(ptr, "expected an array");
        return {};
    }

    template <PointerFn F>
    Result<std::string> string(const rapidjson::Value& v, const F& ptr) const {
        if (!v.IsString()) return error(ptr(), "expected a string");
        return std::string(v.GetString(), v.GetStringLength());
    }
    Result<std::string> string(const rapidjson::Value& v, const std::string& ptr) const {
        return string(v, [&] { return ptr; });
    }

    template <PointerFn F>
    Result<bool> boolean(const rapidjson::Value& v, const F& ptr) const {
        if (!v.IsBool()) return error(ptr(), "expected true or false");
        return v.GetBool();
    }
    Result<bool> boolean(const rapidjson::Value& v, const std::string& ptr) const {
        return boolean(v, [&] { return ptr; });
    }

    Result<uint32_t> u32(const rapidjson::Value& v, const std::string& ptr) const {
        if (!v.IsUint()) return error(ptr, "expected an integer from 0 to 4294967295");
        return static_cast<uint32_t>(v.GetUint());
    }

    Result<int64_t> i64(const rapidjson::Value& v, const std::string& ptr) const {
        if (!v.IsInt64()) return error(ptr, "expected an integer");
        return static_cast<int64_t>(v.GetInt64());
    }

    Result<int> i32(const rapidjson::Value& v, const std::string& ptr) const {
        if (!v.IsInt()) return error(ptr, "expected an integer from -2147483648 to 2147483647");
        return v.GetInt();
    }

    Result<std::vector<std::string>> strings(const rapidjson::Value& v,
                                             const std::string& ptr) const {
        if (!v.IsArray()) return error(ptr, "expected an array of strings");
        std::vector<std::string> out;
        out.reserve(v.Size());
        for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
            auto e = string(v[i], [&] { return child(ptr, i); });
            if (!e) return unexpected(e.error());
            out.push_back(std::move(*e));
        }
        return out;
    }

    Result<std::map<std::string, std::string>> string_map(const rapidjson::Value& v,
                                                          const std::string& ptr) const {
        if (!v.IsObject()) return error(ptr, "expected an object of strings");
        std::map<std::string, std::string> out;
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
            std::string key(it->name.GetString(), it->name.GetStringLength());
            if (!it->value.IsString())
                return unexpected(string(it->value, child(ptr, key)).error());
            out[std::move(key)] = std::string(it->value.GetString(), it->value.GetStringLength());
        }
        return out;
    }

  private:
    std::string_view origin_;
};

}  // namespace osh::json
