// The repeatable --set=path.to.field=value flag of the binaries that read an
// Experiment config (train, data_gen); proto/config_override.h applies the
// values.
//
// Abseil flags keep only the last occurrence of a flag, and a vector flag
// splits on commas (which list values such as test_jumps=1,10 contain), so
// the binaries take every --set out of argv before absl::ParseCommandLine:
//
//   int main(int argc, char** argv) {
//     aanet::ExtractSetFlags(&argc, argv);
//     absl::ParseCommandLine(argc, argv);
//     ... ReadExperimentConfig(path, aanet::SetFlags()) ...
//
// Linking this library also defines --set for --help.
#ifndef AANET_CLI_SET_FLAGS_H_
#define AANET_CLI_SET_FLAGS_H_

#include <string>
#include <vector>

namespace aanet {

// Removes every "--set=VALUE" and "--set VALUE" (also with a single dash)
// from argv, in order, updating *argc, and records the values. Arguments
// after a bare "--" are left alone.
void ExtractSetFlags(int* argc, char** argv);

// The values ExtractSetFlags recorded, in command-line order.
const std::vector<std::string>& SetFlags();

// A file-name suffix that tells runs with different overrides apart, for
// default output names: "_<last path segment>_<value>" per override, with
// characters other than [A-Za-z0-9._-] replaced by '_', e.g.
// {"simulation.harmonic.k_pair=0.3"} -> "_k_pair_0.3". Empty without
// overrides.
std::string OverridesSuffix(const std::vector<std::string>& overrides);

}  // namespace aanet

#endif  // AANET_CLI_SET_FLAGS_H_
