#include "app/cli.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/serve.h"
#include "core/config.h"
#include "core/log.h"

#ifndef OCULA_VERSION
#define OCULA_VERSION "dev"
#endif

namespace ocula {
namespace {

// Flags that map onto settings keys (see core/config.cc).
struct SettingFlags {
  std::string config_file;
  std::map<std::string, std::string> values;

  void AddTo(CLI::App& cmd, const std::string& flag, const std::string& key,
             const std::string& help) {
    cmd.add_option_function<std::string>(
        flag, [this, key](const std::string& v) { values[key] = v; }, help);
  }
};

void PrintSettingsMarkdown() {
  std::cout << "| key | environment | default | meaning |\n|---|---|---|---|\n";
  Config defaults;
  for (const Setting& s : Settings()) {
    std::string value = s.get(defaults);
    std::cout << "| `" << s.key << "` | `" << s.env << "` | "
              << (value.empty() ? "" : "`" + value + "`") << " | " << s.help << " |\n";
  }
}

StatusOr<Config> Load(const SettingFlags& flags) {
  auto config = LoadConfig(flags.config_file, ProcessEnv(), flags.values);
  if (!config.ok()) return config;
  OCULA_RETURN_IF_ERROR(InitLogging(config->log_level, config->log_format));
  return config;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"Ocula: self-hosted image analysis"};
  app.require_subcommand(1);

  SettingFlags serve_flags;
  std::string role_text = "all";
  CLI::App* serve = app.add_subcommand("serve", "Run the HTTP API and the analysis workers");
  serve->add_option("--config", serve_flags.config_file, "TOML configuration file");
  serve_flags.AddTo(*serve, "--data-dir", "data_dir", "Data directory (default ./data)");
  serve_flags.AddTo(*serve, "--listen", "server.listen", "Listen address (default 127.0.0.1:8080)");
  serve_flags.AddTo(*serve, "--blob", "storage.blob", "Blob store URI");
  serve_flags.AddTo(*serve, "--metadata", "storage.metadata", "Metadata store URI");
  serve_flags.AddTo(*serve, "--events", "storage.events", "Event bus URI");
  serve_flags.AddTo(*serve, "--engine", "vision.engine", "onnxruntime or opencv");
  serve_flags.AddTo(*serve, "--model-dir", "vision.model_dir", "Model directory");
  serve_flags.AddTo(*serve, "--workers", "workers.threads", "Analysis threads (0 = one per core)");
  serve->add_option("--role", role_text, "all, api (HTTP + outbox) or worker (analysis)")
      ->check(CLI::IsMember({"all", "api", "worker"}));

  SettingFlags analyze_flags;
  std::vector<std::string> files;
  CLI::App* analyze = app.add_subcommand("analyze", "Analyse image files, print JSON lines");
  analyze->add_option("--config", analyze_flags.config_file, "TOML configuration file");
  analyze_flags.AddTo(*analyze, "--engine", "vision.engine", "onnxruntime or opencv");
  analyze_flags.AddTo(*analyze, "--model-dir", "vision.model_dir", "Model directory");
  analyze->add_option("files", files, "Image files")->required()->check(CLI::ExistingFile);

  CLI::App* version = app.add_subcommand("version", "Print the version");
  CLI::App* settings = app.add_subcommand("settings", "Print every setting as a Markdown table");

  CLI11_PARSE(app, argc, argv);

  if (version->parsed()) {
    std::cout << "ocula " << OCULA_VERSION << "\n";
    return 0;
  }
  if (settings->parsed()) {
    PrintSettingsMarkdown();
    return 0;
  }
  SettingFlags& flags = serve->parsed() ? serve_flags : analyze_flags;
  auto config = Load(flags);
  if (!config.ok()) {
    std::cerr << "ocula: configuration error: " << config.status().message() << "\n";
    return 2;
  }
  if (analyze->parsed()) return AnalyzeFiles(*config, files);
  Role role = role_text == "api" ? Role::kApi : role_text == "worker" ? Role::kWorker : Role::kAll;
  return Serve(*config, role);
}

}  // namespace ocula
