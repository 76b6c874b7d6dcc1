// What this project recorded when it ran the flow models at the published
// budget (50,000 steps; docs/published_budget_results.md, which has the
// whole table and how it was run). The report shows these beside the
// numbers of the budget it ran, labelled as recorded, not rerun: rerunning
// them takes about 3 core-hours. //reports:published_budget_test checks
// every value against the document.
#ifndef AANET_REPORTS_PUBLISHED_BUDGET_H_
#define AANET_REPORTS_PUBLISHED_BUDGET_H_

#include <string>
#include <vector>

namespace aanet::reports {

// Where the recorded numbers come from.
inline constexpr char kPublishedBudgetDocument[] =
    "docs/published_budget_results.md";
inline constexpr char kPublishedBudgetCommit[] =
    "f3a18b6b6a3e63a2c7ddc91447e44eddaa839b16";
inline constexpr char kPublishedBudgetDate[] = "November 2026";
inline constexpr char kPublishedBudgetCommand[] =
    "bazel run //sweep -- --sweep=configs/sweeps/paper_flows.pbtxt "
    "--backend=slurm";
inline constexpr int kPublishedBudgetSteps = 50000;
inline constexpr int kPublishedBudgetSeeds = 3;

// The dataset the recorded cells were trained on: the name of
// configs/harmonic/default.pbtxt (k_pair 0.5).
inline constexpr char kPublishedBudgetDataset[] = "harmonic_k_pair_0.5";

// One recorded cell: a model config's name, its dataset, training samples,
// and the test prediction loss at jumps 1, 10 and 50 as the document prints
// it (mean ± sample std over the seeds).
struct RecordedCell {
  std::string model;
  std::string dataset;
  int num_train_samples = 0;
  std::string loss_jump_1;
  std::string loss_jump_10;
  std::string loss_jump_50;
};

// The jumps of RecordedCell's losses.
inline constexpr int kRecordedJumps[] = {1, 10, 50};

// Every recorded cell on kPublishedBudgetDataset (the default dataset),
// both flow models.
const std::vector<RecordedCell>& RecordedPublishedBudgetCells();

// The models the document records no published-budget grid for, with why.
struct UnrecordedModel {
  std::string model;
  std::string why;
};
const std::vector<UnrecordedModel>& UnrecordedPublishedBudgetModels();

}  // namespace aanet::reports

#endif  // AANET_REPORTS_PUBLISHED_BUDGET_H_
