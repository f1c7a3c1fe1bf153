#include "recognize/settings.h"

#include "core/errors.h"

namespace petiscan {

void RecognizerSettings::validate() const {
  decoder.validate();
  if (accept_threshold && !(*accept_threshold >= 0 && *accept_threshold <= 1))
    throw UsageError("recognizer accept_threshold must be in [0, 1]");
}

}  // namespace petiscan
