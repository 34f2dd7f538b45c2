// Where each of the spec's mounts lands in the container, for every part of
// the hook that asks (GPU detection, the policy rewrite): one answer, so no
// part judges a mount where another does not.
#pragma once

#include <vector>

#include "oci/spec.hpp"
#include "rootfs/resolve.hpp"

namespace osh::mounts {

// The landing of each of `mounts`, in order (rootfs::land). `live`: the
// probe sees the running container with the mounts made. A mount that
// carries data (oci::Mount::carries_data) gets no landing (nullopt: it
// may be anywhere) when
// - a later mount, other than the same entry again, is spelled or lands at
//   or above where it is spelled or lands, or any place its walk through
//   the image's links looked (PathFact::walked): it may have replaced a
//   directory or a link on the way the runtime took, put a link where the
//   runtime found nothing, or stand where the hook would look for it
//   (`hidden_by`);
// - its path goes through /dev/ptmx, a link the runtime replaces after the
//   spec's mounts (`runtime_link`);
// - live, and no mount's root is where its destination leads;
// - live, a bind, and `sources` (per mount: the bind's source on the host,
//   the object at its mount root) given: the object there is not its
//   source (a decoy mounted where it would have been, while the runtime
//   put it elsewhere through a link since replaced).
// `host_ipc`: the container shares the host's IPC namespace, where an
// mqueue mount holds the host's queues and so carries data too.
std::vector<rootfs::Landing> land_mounts(
    const std::vector<oci::Mount>& mounts, const rootfs::PathProbe& probe, bool live,
    const std::vector<std::optional<rootfs::ObjectId>>* sources = nullptr, bool host_ipc = false);

// The mount on top at `path`: the last of `landings` that landed at or
// above it, or whose landing cannot be told (it may be anywhere) when
// `probed` (a probe looked at the container). nullopt: none.
std::optional<size_t> on_top_at(const std::vector<rootfs::Landing>& landings,
                                const std::string& path, bool probed);

}  // namespace osh::mounts
