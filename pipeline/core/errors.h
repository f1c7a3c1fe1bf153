// The three error tiers (STYLE.md):
//   1. programmer errors: assert();
//   2. a bad file or page: recorded with its reason, the batch goes on (never thrown past a page);
//   3. an error that ends the run: a FatalError subclass, mapped to an exit code in
//      exactly one place, cli/main.cpp's exit_code_for().
#pragma once

#include <stdexcept>
#include <string>

namespace petiscan {

// The process exit codes, documented in README.md ("Exit codes").
enum class ExitCode : int {
  Ok = 0,             // every input was processed (pages sent to review count as processed)
  InputFailed = 1,    // some input could not be read; each is recorded with its reason
  Usage = 2,          // bad command line
  Database = 3,       // the project database cannot be opened, written or migrated
  Model = 4,          // the recognizer model is missing or broken
  Output = 5,         // an output file or folder cannot be written
  Internal = 70,      // a bug in petiscan (please report it); everything committed is kept
  Interrupted = 130,  // stopped by Ctrl-C; everything committed so far is kept
};

class FatalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  virtual ExitCode exit_code() const = 0;
};

class UsageError : public FatalError {
 public:
  using FatalError::FatalError;
  ExitCode exit_code() const override { return ExitCode::Usage; }
};

class DatabaseError : public FatalError {
 public:
  using FatalError::FatalError;
  ExitCode exit_code() const override { return ExitCode::Database; }
};

class ModelError : public FatalError {
 public:
  using FatalError::FatalError;
  ExitCode exit_code() const override { return ExitCode::Model; }
};

class OutputError : public FatalError {
 public:
  using FatalError::FatalError;
  ExitCode exit_code() const override { return ExitCode::Output; }
};

// A file or page that cannot be read. Caught per file/page by the scanner and
// recorded as that file's (or page's) status; never ends a batch.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace petiscan
