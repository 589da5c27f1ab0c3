#include "app/cli.h"

int main(int argc, char** argv) { return ocula::RunCli(argc, argv); }
