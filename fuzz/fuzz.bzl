"""aanet_fuzzer: a libFuzzer target and the test that replays its inputs."""

def aanet_fuzzer(name, srcs, deps):
    """Defines `name` and `name`_regression_test.

    `name` is a libFuzzer binary under --define=fuzz=1 (see fuzz/README.md)
    and a replayer of its arguments otherwise. The test replays every file of
    fuzz/regressions/<name without _fuzzer>/ (seed corpus and saved crash
    inputs) in the ordinary build, under any sanitizer config.

    Args:
      name: the fuzzer, ending in "_fuzzer".
      srcs: sources defining LLVMFuzzerTestOneInput.
      deps: the libraries they call.
    """
    short = name[:-len("_fuzzer")]
    native.cc_binary(
        name = name,
        srcs = srcs,
        deps = deps + select({
            "//fuzz:fuzzing": [],
            "//conditions:default": ["//fuzz:replay_main"],
        }),
        linkopts = select({
            "//fuzz:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
    )
    native.cc_test(
        name = name + "_regression_test",
        size = "small",
        srcs = srcs,
        deps = deps + ["//fuzz:replay_main"],
        args = ["fuzz/regressions/" + short],
        data = native.glob(["regressions/%s/*" % short]),
    )
