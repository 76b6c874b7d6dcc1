// Evaluation JSON (eval/evaluation.h), as ReadEvaluationJson parses it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "eval/evaluation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)aanet::eval::ParseEvaluationJson(text, "evaluation.json");
  return 0;
}
