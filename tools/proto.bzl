"""cc_library from .proto files using Debian's protoc (no Bazel proto rules
are available offline in Bazel 4.2.3)."""

def cc_proto(name, srcs, deps = [], visibility = None):
    """Generates C++ for `srcs` and wraps it in a cc_library named `name`.

    Generated headers are included by their workspace path with `.pb.h`,
    e.g. `#include "proto/experiment.pb.h"`. `deps` are other cc_proto
    targets whose .proto files these import.
    """
    hdrs = [s.replace(".proto", ".pb.h") for s in srcs]
    ccs = [s.replace(".proto", ".pb.cc") for s in srcs]
    native.genrule(
        name = name + "_genproto",
        srcs = srcs + [d + "_srcs" for d in deps],
        outs = hdrs + ccs,
        cmd = "/usr/bin/protoc -I. --cpp_out=$(GENDIR) " +
              " ".join(["$(location %s)" % s for s in srcs]),
        message = "protoc %s" % name,
    )
    native.filegroup(
        name = name + "_srcs",
        srcs = srcs + [d + "_srcs" for d in deps],
        visibility = visibility,
    )
    native.cc_library(
        name = name,
        srcs = ccs,
        hdrs = hdrs,
        deps = deps + ["//third_party:protobuf"],
        visibility = visibility,
    )
