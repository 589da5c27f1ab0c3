// The `ocula` command line: serve, analyze, version, settings.
#pragma once

namespace ocula {

// Parses arguments, runs the chosen command, returns the process exit code.
int RunCli(int argc, char** argv);

}  // namespace ocula
