"""Datasets as build outputs, so other targets can depend on them and Bazel
caches them."""

def harmonic_dataset(name, config, visibility = None):
    """Runs //data_gen on `config` and produces `<name>.h5`."""
    native.genrule(
        name = name,
        srcs = [config],
        outs = [name + ".h5"],
        tools = ["//data_gen"],
        cmd = "$(location //data_gen) --config=$(location %s) --out=$@ > /dev/null" % config,
        message = "Generating dataset %s" % name,
        visibility = visibility,
    )
