// Command-line overrides of text-format configs: "path.to.field=value".
//
//   train --set=training.num_steps=5000 --set=training.batch_size=50
//   data_gen --set=simulation.harmonic.k_pair=0.3
//
// The path names fields from the root message down, by their proto names.
// Intermediate fields must be singular messages; they are created when unset,
// and choosing a member of a oneof switches the oneof to it (e.g.
// training.num_train_samples=200 replaces a train_split_proportion). The
// value is written as in a text-format config:
//   numbers, true/false, enum names (jump_schedule=CONSTANT), strings with or
//     without quotes (activation=relu);
//   a repeated scalar field takes a comma-separated list, optionally in
//     brackets, which replaces the whole list (training.test_jumps=1,10,50);
//   a message field takes text-format contents, optionally in braces, which
//     replace the whole message (simulation.harmonic.masses={min: 1 max: 2});
//   an empty value clears the field (training.checkpoint_every=).
// Repeated message fields cannot be overridden. Errors name the field, e.g.
//   training.batch_sze: aanet.TrainingConfig has no field 'batch_sze'
//   (fields: num_steps, batch_size, ...)
//   training.batch_size: expected an int32, got '5x'
#ifndef AANET_PROTO_CONFIG_OVERRIDE_H_
#define AANET_PROTO_CONFIG_OVERRIDE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace aanet {

// Applies one "path=value" assignment to `message`.
absl::Status ApplyOverride(const std::string& assignment,
                           google::protobuf::Message* message);

// Applies the assignments in order (a later one wins); stops at the first
// error, which is prefixed with the assignment, e.g.
//   --set=training.batch_size=5x: training.batch_size: expected an int32, ...
// `flag` is how the assignment is shown ("--set" above).
absl::Status ApplyOverrides(const std::vector<std::string>& assignments,
                            const std::string& flag,
                            google::protobuf::Message* message);

}  // namespace aanet

#endif  // AANET_PROTO_CONFIG_OVERRIDE_H_
