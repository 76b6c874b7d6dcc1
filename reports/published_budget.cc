#include "reports/published_budget.h"

namespace aanet::reports {

const std::vector<RecordedCell>& RecordedPublishedBudgetCells() {
  // Copied from the k_pair 0.5 rows (the default dataset) of the document's
  // table (AAN, Euler).
  static const auto* cells = new std::vector<RecordedCell>{
      {"action_angle_flow", kPublishedBudgetDataset, 10, "2.3e+1 ± 4e+0",
       "3.4e+1 ± 5e+0", "3.5e+1 ± 1e+0"},
      {"action_angle_flow", kPublishedBudgetDataset, 20, "1.8e+1 ± 6e+0",
       "3.5e+1 ± 3e+1", "5.5e+1 ± 5e+1"},
      {"action_angle_flow", kPublishedBudgetDataset, 50, "2.2e-2 ± 2e-2",
       "1.1e-1 ± 4e-2", "7.4e-1 ± 2e-1"},
      {"action_angle_flow", kPublishedBudgetDataset, 100, "2.1e-4 ± 5e-5",
       "5.2e-4 ± 1e-4", "1.0e-3 ± 3e-4"},
      {"action_angle_flow", kPublishedBudgetDataset, 200, "5.3e-5 ± 9e-6",
       "1.6e-4 ± 4e-5", "3.2e-4 ± 5e-5"},
      {"action_angle_flow", kPublishedBudgetDataset, 500, "4.6e-5 ± 3e-6",
       "1.4e-4 ± 2e-5", "2.6e-4 ± 4e-5"},
      {"euler_update_flow", kPublishedBudgetDataset, 10, "5.4e+0 ± 2e+0",
       "6.9e+3 ± 1e+4", "3.0e+5 ± 5e+5"},
      {"euler_update_flow", kPublishedBudgetDataset, 20, "3.2e+1 ± 2e+1",
       "2.6e+3 ± 2e+3", "5.9e+4 ± 4e+4"},
      {"euler_update_flow", kPublishedBudgetDataset, 50, "2.1e+1 ± 3e+1",
       "3.9e+2 ± 3e+2", "1.6e+4 ± 1e+4"},
      {"euler_update_flow", kPublishedBudgetDataset, 100, "4.6e-2 ± 3e-2",
       "2.7e-1 ± 1e-1", "8.4e+1 ± 5e+1"},
      {"euler_update_flow", kPublishedBudgetDataset, 200, "2.4e-2 ± 1e-2",
       "1.2e-1 ± 1e-1", "1.0e+2 ± 2e+1"},
      {"euler_update_flow", kPublishedBudgetDataset, 500, "3.6e-2 ± 2e-2",
       "1.8e-1 ± 7e-2", "7.9e+1 ± 2e+1"},
  };
  return *cells;
}

const std::vector<UnrecordedModel>& UnrecordedPublishedBudgetModels() {
  static const auto* models = new std::vector<UnrecordedModel>{
      {"neural_ode",
       "not run at 50,000 steps: about 51 core-hours for its 54 points"},
      {"hamiltonian_neural_network",
       "not run at 50,000 steps: about 79 core-hours for its 54 points"},
  };
  return *models;
}

}  // namespace aanet::reports
