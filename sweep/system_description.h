// What the sweep records of a dataset's system without knowing any system:
// the field set in SimulationConfig's `system` oneof and its parameters, read
// by protobuf reflection, so that a new system needs no change here.
#ifndef AANET_SWEEP_SYSTEM_DESCRIPTION_H_
#define AANET_SWEEP_SYSTEM_DESCRIPTION_H_

#include <string>

#include "proto/experiment.pb.h"

namespace aanet::sweep {

// The name of the field set in `simulation`'s `system` oneof ("harmonic",
// "pendulum"); "" if none is set.
std::string SystemName(const SimulationConfig& simulation);

// One line: the system's name and every field of its sub-message in
// declaration order, e.g. "harmonic: num_particles 2, masses 1..1, k_wall
// 1..1, k_pair 0.5". Unset fields (and proto3 scalars at their default,
// e.g. an enum's first value) are left out: the system's defaults apply; a
// range {min, max} prints as "min..max", explicit values as "[a, b]", other
// messages as "{...}".
// "" if no system is set.
std::string DescribeSystem(const SimulationConfig& simulation);

}  // namespace aanet::sweep

#endif  // AANET_SWEEP_SYSTEM_DESCRIPTION_H_
