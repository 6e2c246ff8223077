// Tab completion (complete.cpp).
#pragma once

#include "line_editor.h"

namespace shell {

// Completes the word before the cursor; what to write goes to `out`
// (`prompt` is written again when candidates are listed).
void complete(LineEditor& editor, LineEditor::Output& out, const char* prompt);
// Maps its buffers at start (see prefault in shell.h).
void prefault_completion();

}  // namespace shell
