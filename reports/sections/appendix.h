// The report's appendix: links to the other parts of the study
// (ReportOptions::other_parts) and the text of the sweep config.
#ifndef AANET_REPORTS_SECTIONS_APPENDIX_H_
#define AANET_REPORTS_SECTIONS_APPENDIX_H_

#include "absl/status/statusor.h"
#include "reports/section.h"

namespace aanet::reports {

absl::StatusOr<Section> AppendixSection(const ReportContext& context);

}  // namespace aanet::reports

#endif  // AANET_REPORTS_SECTIONS_APPENDIX_H_
