#include "reports/sections/action_basis.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "proto/sweep.pb.h"
#include "reports/aggregate.h"
#include "reports/format.h"

namespace aanet::reports {
namespace {

bool HasBasis(const StudyPoint& p) {
  return p.evaluation.has_value() && p.evaluation->has_action_basis();
}

// The run of `candidates` this section shows, and why (section 5b's rule).
std::pair<const StudyPoint*, std::string> ChooseRun(
    const std::vector<const StudyPoint*>& candidates) {
  for (const StudyPoint* p : candidates) {
    if (p->point.protocol() == FIGURE_ONLY) {
      return {p, "the run trained for the frequency figures (FIGURE_ONLY)"};
    }
  }
  for (const StudyPoint* p : candidates) {
    if (p->point.protocol() == EQUAL_STEPS && p->point.is_reference()) {
      return {p, "the equal-step reference point"};
    }
  }
  return {candidates.front(), "the first point with a fitted basis"};
}

// "[a, b, c]" of `values` with Short.
std::string List(const google::protobuf::RepeatedField<double>& values) {
  std::vector<std::string> parts;
  for (double v : values) parts.push_back(Short(v));
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

}  // namespace

std::string MatrixText(const google::protobuf::RepeatedField<int32_t>& values,
                       int n) {
  std::vector<std::string> rows;
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> row;
    for (int j = 0; j < n && i * n + j < values.size(); ++j) {
      row.push_back(absl::StrCat(values.Get(i * n + j)));
    }
    rows.push_back(absl::StrCat("[", absl::StrJoin(row, ", "), "]"));
  }
  return absl::StrCat("[", absl::StrJoin(rows, ", "), "]");
}

std::vector<BasisRun> ComputeActionBases(const ReportContext& context) {
  std::vector<BasisRun> runs;
  for (const DatasetInfo& dataset : DatasetsOf(context.study)) {
    std::vector<const StudyPoint*> candidates;
    for (const StudyPoint& p : context.study.points) {
      if (p.point.dataset() == dataset.name &&
          p.point.dataset_hash() == dataset.hash && HasBasis(p)) {
        candidates.push_back(&p);
      }
    }
    if (candidates.empty()) continue;
    BasisRun run;
    std::tie(run.point, run.chosen_as) = ChooseRun(candidates);
    run.dataset = dataset.label;
    run.basis = &run.point->evaluation->action_basis();
    double sum = 0, learned_sum = 0;
    for (const ActionBasisTrajectory& t : run.basis->trajectories()) {
      if (!t.degenerate() || t.left_out()) continue;
      const double magnitude = std::abs(t.precession_per_orbit());
      sum += magnitude;
      run.max_abs_precession_per_orbit =
          std::max(run.max_abs_precession_per_orbit, magnitude);
      const int i = t.degenerate_first(), j = t.degenerate_second();
      const double difference = 2 * M_PI *
                                std::abs(std::abs(t.learned_frequency(j)) -
                                         std::abs(t.learned_frequency(i))) /
                                std::abs(t.true_frequency(i));
      learned_sum += difference;
      run.max_abs_learned_difference_per_orbit =
          std::max(run.max_abs_learned_difference_per_orbit, difference);
      ++run.num_degenerate;
    }
    if (run.num_degenerate > 0) {
      run.mean_abs_precession_per_orbit = sum / run.num_degenerate;
      run.mean_abs_learned_difference_per_orbit =
          learned_sum / run.num_degenerate;
    }
    runs.push_back(std::move(run));
  }
  return runs;
}

std::string BasisText(const BasisRun& run) {
  const ActionBasis& b = *run.basis;
  const SweepPoint& p = run.point->point;
  std::string text = absl::StrFormat(
      "From `%s` on %s, seed %d, %d training samples, %d steps (%s).",
      p.model(), run.dataset, p.seed(), p.num_train_samples(), p.num_steps(),
      run.chosen_as);
  if (!b.failure().empty()) {
    return absl::StrCat(text, " No basis was fitted: ", b.failure(), ".\n\n");
  }
  const int n = b.num_degrees_of_freedom();
  absl::StrAppend(
      &text,
      absl::StrFormat(
          " Searched: %s. M = %s (det %d): learned actions ≈ M × true "
          "ones, relative residual %s; the best real matrix leaves %s. ",
          b.search(), MatrixText(b.basis(), n), b.determinant(),
          Short(b.relative_residual()), Short(b.real_relative_residual())));
  if (b.explains()) {
    absl::StrAppend(&text,
                    "An integer change of basis explains the learned "
                    "actions (integrality costs at most 0.05 of their "
                    "norm).");
  } else if (!b.unimodular()) {
    absl::StrAppend(&text,
                    "**M is not unimodular** (|det| ≠ 1): the "
                    "learned actions are not a change of basis of "
                    "the true ones.");
  } else {
    absl::StrAppend(&text,
                    "**No integer change of basis explains the learned "
                    "actions**: the best one costs more than 0.05 of their "
                    "norm over the real fit.");
  }
  if (b.true_action_rank() < n) {
    absl::StrAppend(
        &text, absl::StrFormat(" The true actions have rank %d < %d, so the "
                               "data do not determine M.",
                               b.true_action_rank(), n));
  }
  if (b.num_equivalent() > 1) {
    absl::StrAppend(&text,
                    absl::StrFormat(" %d unimodular matrices fit equally "
                                    "well; M is the one closest to the "
                                    "identity.",
                                    b.num_equivalent()));
  }
  if (b.left_out_size() > 0) {
    absl::StrAppend(
        &text, absl::StrFormat(" %d trajectory(ies) left out: learned actions "
                               "not finite.",
                               b.left_out_size()));
  }
  if (run.num_degenerate > 0) {
    absl::StrAppend(
        &text,
        absl::StrFormat(
            " Spurious precession (truly 0) over the %d trajectories with "
            "equal true frequencies: through M, mean |Δφ| per orbit %s rad, "
            "largest %s rad%s; in the network's own basis (the difference of "
            "its two learned |ω|, 2π |Δ|ω|| / ω_true per orbit), mean %s "
            "rad, largest %s rad.",
            run.num_degenerate, Short(run.mean_abs_precession_per_orbit),
            Short(run.max_abs_precession_per_orbit),
            b.explains() ? ""
                         : " (not meaningful: M does not explain the "
                           "actions)",
            Short(run.mean_abs_learned_difference_per_orbit),
            Short(run.max_abs_learned_difference_per_orbit)));
  }
  return absl::StrCat(text, "\n\n");
}

Table BasisTable(const BasisRun& run) {
  Table table{{"trajectory", "held out", "true actions", "learned actions",
               "true ω", "mapped ω = Mᵀ ω_learned",
               "precession (rad per "
               "time unit)",
               "precession per orbit (rad)"},
              {}};
  for (const ActionBasisTrajectory& t : run.basis->trajectories()) {
    const bool precesses = t.degenerate();
    table.rows.push_back(
        {absl::StrCat(t.trajectory(), t.left_out() ? " (left out)" : ""),
         t.held_out() ? "yes" : "no", List(t.true_action()),
         List(t.learned_action()), List(t.true_frequency()),
         List(t.mapped_frequency()),
         precesses ? Short(t.precession_rate()) : std::string("—"),
         precesses ? Short(t.precession_per_orbit()) : std::string("—")});
  }
  return table;
}

Table BasisCsv(const std::vector<BasisRun>& runs) {
  Table csv{{"model",
             "dataset",
             "seed",
             "num_train_samples",
             "basis",
             "determinant",
             "relative_residual",
             "real_relative_residual",
             "explains",
             "trajectory",
             "held_out",
             "left_out",
             "component",
             "true_action",
             "learned_action",
             "true_frequency",
             "learned_frequency",
             "mapped_frequency",
             "degenerate",
             "precession_rate",
             "precession_per_orbit"},
            {}};
  for (const BasisRun& run : runs) {
    const ActionBasis& b = *run.basis;
    const SweepPoint& p = run.point->point;
    const std::string basis = MatrixText(b.basis(), b.num_degrees_of_freedom());
    for (const ActionBasisTrajectory& t : b.trajectories()) {
      for (int i = 0; i < t.learned_action_size(); ++i) {
        auto at = [i](const google::protobuf::RepeatedField<double>& v) {
          return i < v.size() ? Num(v.Get(i)) : std::string();
        };
        csv.rows.push_back(
            {p.model(),
             run.dataset,
             absl::StrCat(p.seed()),
             absl::StrCat(p.num_train_samples()),
             basis,
             absl::StrCat(b.determinant()),
             Num(b.relative_residual()),
             Num(b.real_relative_residual()),
             b.explains() ? "1" : "0",
             absl::StrCat(t.trajectory()),
             t.held_out() ? "1" : "0",
             t.left_out() ? "1" : "0",
             absl::StrCat(i),
             at(t.true_action()),
             at(t.learned_action()),
             at(t.true_frequency()),
             at(t.learned_frequency()),
             at(t.mapped_frequency()),
             t.degenerate() ? "1" : "0",
             t.degenerate() ? Num(t.precession_rate()) : "",
             t.degenerate() ? Num(t.precession_per_orbit()) : ""});
      }
    }
  }
  return csv;
}

absl::StatusOr<Section> ActionBasisSection(const ReportContext& context) {
  const std::vector<BasisRun> runs = ComputeActionBases(context);
  Section section;
  if (runs.empty()) return section;
  section.csv_files.push_back({"action_basis.csv", BasisCsv(runs)});
  section.blocks.push_back(TextBlock(
      "## 5c. Learned actions up to a change of basis\n\n"
      "*How to read:* where two frequencies of a system are equal (a Kepler "
      "orbit's radial and angular ones), its action-angle map is not "
      "unique: for any integer matrix M with |det M| = 1, M I are valid "
      "actions too, with frequencies M⁻ᵀ ω, and a network may learn any of "
      "them. So the Action-Angle Network's learned actions (physical units, "
      "each trajectory's mean over its test window) are compared with the "
      "true ones only up to such an M: the one that best explains learned "
      "= M × true over the trajectories (least squares), its residual "
      "beside that of the best real matrix (does integrality cost "
      "anything?), and the learned frequencies mapped into the true basis, "
      "Mᵀ ω, beside the true ones. Where a trajectory's true frequencies "
      "are equal, the difference of the two mapped ones is a spurious "
      "precession of the orbit (the truth has none). Without degeneracy M "
      "is a permutation (the network's latent pairs in their own order). "
      "At eccentricity 0 the radial action is 0, the polar map's singular "
      "point, so its learned counterpart sits near the origin of a latent "
      "pair.\n\n"));
  for (const BasisRun& run : runs) {
    section.blocks.push_back(
        TextBlock(absl::StrCat("### ", run.point->point.model(), " on ",
                               run.dataset, "\n\n", BasisText(run))));
    if (run.basis->failure().empty()) {
      section.blocks.push_back(TableBlock(BasisTable(run)));
    }
  }
  return section;
}

}  // namespace aanet::reports
