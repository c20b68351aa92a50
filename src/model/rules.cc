#include "model/rules.h"

namespace deconflict::model {
Result<Rules> ParseRules(std::string_view) { return Status::Internal("not yet implemented"); }
}  // namespace deconflict::model
