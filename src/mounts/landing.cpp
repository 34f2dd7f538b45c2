#include "mounts/landing.hpp"

#include "util/path.hpp"

namespace osh::mounts {

namespace {

bool same_entry(const oci::Mount& a, const oci::Mount& b) {
    return a.type == b.type && a.source == b.source && a.options == b.options &&
           path::lexical(a.destination) == path::lexical(b.destination);
}

// runc and crun replace /dev/ptmx with a link to pts/ptmx after the spec's
// mounts: a mount made through what the image had there may be anywhere.
std::optional<std::string> through_runtime_link(const rootfs::PathFact& f) {
    constexpr std::string_view kPtmx = "/dev/ptmx -> ";
    for (const auto& l : f.links)
        if (l.compare(0, kPtmx.size(), kPtmx) == 0) return l;
    return std::nullopt;
}

}  // namespace

std::vector<rootfs::Landing> land_mounts(
    const std::vector<oci::Mount>& mounts, const rootfs::PathProbe& probe, bool live,
    const std::vector<std::optional<rootfs::ObjectId>>* sources, bool host_ipc) {
    std::vector<rootfs::Landing> out;
    out.reserve(mounts.size());
    for (const auto& m : mounts) out.push_back(rootfs::land(m.destination, probe));
    if (!probe) return out;
    // At or above: one above may have replaced a directory or a link on the
    // way the runtime took, and one at the same place stands where the hook
    // would look for it, whether or not the runtime put it there (a decoy
    // of any kind, even a second bind of the same source).
    for (size_t i = 0; i < mounts.size(); ++i) {
        const bool host_queues = host_ipc && mounts[i].type == "mqueue" && !mounts[i].is_bind();
        if (!(mounts[i].carries_data() || host_queues) || !out[i].resolved) continue;
        // Every place its walk looked: a later mount at or above one may
        // have put a link where the runtime found nothing (and stepped back
        // out with ".."), or replaced one it followed.
        const auto f = probe(out[i].spelled);
        std::vector<std::string> looked = {out[i].spelled, *out[i].resolved};
        if (f) looked.insert(looked.end(), f->walked.begin(), f->walked.end());
        for (size_t j = i + 1; j < mounts.size() && !out[i].hidden_by; ++j) {
            if (same_entry(mounts[i], mounts[j])) continue;
            for (const auto& p : looked)
                if (path::is_within(p, out[j].spelled) ||
                    (out[j].resolved && path::is_within(p, *out[j].resolved)))
                    out[i].hidden_by = j;
        }
        if (f) out[i].runtime_link = through_runtime_link(*f);
        if (out[i].hidden_by || out[i].runtime_link) {
            out[i].resolved.reset();
        } else if (live) {
            // A mount's root is there, and for a bind its own source.
            const std::optional<rootfs::ObjectId> none;
            const auto& want = sources && i < sources->size() ? (*sources)[i] : none;
            const bool there = f && f->kind != rootfs::NodeKind::missing && f->mount_root &&
                               (!sources || !mounts[i].is_bind() || (want && f->id == want));
            if (!there) out[i].resolved.reset();
        }
    }
    return out;
}

std::optional<size_t> on_top_at(const std::vector<rootfs::Landing>& landings,
                                const std::string& path, bool probed) {
    std::optional<size_t> top;
    for (size_t i = 0; i < landings.size(); ++i)
        if (path::is_within(path, landings[i].at()) || (probed && !landings[i].resolved)) top = i;
    return top;
}

}  // namespace osh::mounts
