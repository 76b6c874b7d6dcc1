#include "reports/sections/appendix.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reports/sections/testing.h"

namespace aanet::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(AppendixTest, TheSweepConfig) {
  absl::StatusOr<Section> section = AppendixSection(SyntheticContext());
  ASSERT_TRUE(section.ok());
  ASSERT_EQ(section->blocks.size(), 1u);
  EXPECT_THAT(section->blocks[0].text, StartsWith("## Sweep config\n\n```text\n"
                                                  "name: \"synthetic\""));
}

TEST(AppendixTest, OtherPartsAreLinked) {
  ReportOptions options;
  options.other_parts = {{"Ablation", "ablation/REPORT.md"}};
  StudyData study = SyntheticStudy();
  study.results.clear_sweep_config_text();
  const ReportContext context(study, options);
  absl::StatusOr<Section> section = AppendixSection(context);
  ASSERT_TRUE(section.ok());
  ASSERT_EQ(section->blocks.size(), 1u);
  EXPECT_EQ(section->blocks[0].text,
            "## Appendix: other parts of this study\n\n"
            "- [Ablation](ablation/REPORT.md)\n\n");
}

}  // namespace
}  // namespace aanet::reports
