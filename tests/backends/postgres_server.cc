#include "postgres_server.h"

#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/ids.h"
#include "db/pg_conn.h"

namespace ocula::testing {
namespace {

constexpr char kDatabase[] = "ocula";
constexpr auto kStartTimeout = std::chrono::seconds(60);

std::string BinDir() {
  const char* env = std::getenv("OCULA_PG_BINDIR");
  return env != nullptr && *env != '\0' ? env : "/usr/lib/postgresql/15/bin";
}

// The uid/gid to run PostgreSQL as: ours, or the postgres user's when root.
struct RunAs {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

StatusOr<RunAs> PostgresUser() {
  if (geteuid() != 0) return RunAs{};
  const passwd* user = getpwnam("postgres");
  if (user == nullptr) {
    return absl::FailedPreconditionError(
        "running as root, but there is no 'postgres' user to run PostgreSQL as; "
        "run scripts/deps.sh (it installs the postgresql package, which creates it)");
  }
  return RunAs{true, user->pw_uid, user->pw_gid};
}

// Starts `argv` as a child running as `as`, stdout and stderr appended to
// `log`. With `tie_to_parent` the child gets SIGINT when this thread exits.
StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log, const RunAs& as,
                      bool tie_to_parent) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {  // only async-signal-safe calls from here on
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) _exit(126);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (as.switch_user &&
        (setgroups(0, nullptr) != 0 || setgid(as.gid) != 0 || setuid(as.uid) != 0)) {
      _exit(126);
    }
    // After setuid, which clears it.
    if (tie_to_parent && (prctl(PR_SET_PDEATHSIG, SIGINT) != 0 || getppid() != parent)) _exit(126);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

std::string Tail(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  std::string all = text.str();
  return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
}

StatusOr<int> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  if (!ok) return absl::InternalError("no free loopback port");
  return ntohs(addr.sin_port);
}

Status Chown(const std::string& path, const RunAs& as) {
  if (as.switch_user && chown(path.c_str(), as.uid, as.gid) != 0) {
    return absl::InternalError(absl::StrCat("cannot chown ", path, " to postgres"));
  }
  return absl::OkStatus();
}

// Runs `argv` as `as` and waits for it; its output goes to `log`.
Status RunToCompletion(const std::vector<std::string>& argv, const std::string& log,
                       const RunAs& as) {
  OCULA_ASSIGN_OR_RETURN(pid_t pid, Spawn(argv, log, as, /*tie_to_parent=*/false));
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return absl::InternalError(absl::StrCat(argv[0], " failed:\n", Tail(log)));
  }
  return absl::OkStatus();
}

// The superuser over the local socket in `dir` (trusted, no password).
PostgresConfig SuperuserConfig(const std::string& dir, int port, const std::string& dbname) {
  PostgresConfig config;
  config.conninfo = absl::StrCat("host=", dir, " port=", port, " user=postgres dbname=", dbname);
  return config;
}

// Starts the cluster in `dir`/data and waits until it takes connections.
StatusOr<pid_t> LaunchPostgres(const std::string& bin_dir, const std::string& dir, int port,
                               const RunAs& as) {
  const std::string log = dir + "/postgres.log";
  OCULA_ASSIGN_OR_RETURN(
      pid_t pid, Spawn({bin_dir + "/postgres", "-D", dir + "/data", "-k", dir, "-p",
                        absl::StrCat(port), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=on"},
                       log, as, /*tie_to_parent=*/true));
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pg::Connection::Open(SuperuserConfig(dir, port, "postgres")).ok()) return pid;
    int wstatus = 0;
    if (waitpid(pid, &wstatus, WNOHANG) == pid) {
      return absl::InternalError(absl::StrCat("postgres exited at start:\n", Tail(log)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGQUIT);
  waitpid(pid, nullptr, 0);
  return absl::DeadlineExceededError(absl::StrCat("postgres did not start:\n", Tail(log)));
}

void StopPostgres(pid_t pid) {
  kill(pid, SIGINT);  // fast shutdown
  waitpid(pid, nullptr, 0);
}

// A stopped cluster in `dir` (owned by `as`): superuser "postgres" whose
// password is in `dir`/password, password logins over TCP, database "ocula".
Status InitCluster(const std::string& bin_dir, const std::string& dir, const RunAs& as) {
  OCULA_RETURN_IF_ERROR(Chown(dir, as));
  const std::string password_file = dir + "/password";
  std::ofstream(password_file) << "pw-" << RandomToken() << "\n";
  OCULA_RETURN_IF_ERROR(Chown(password_file, as));
  OCULA_RETURN_IF_ERROR(RunToCompletion(
      {bin_dir + "/initdb", "-D", dir + "/data", "-U", "postgres", "--pwfile", password_file,
       "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"},
      dir + "/initdb.log", as));
  OCULA_ASSIGN_OR_RETURN(int port, FreeLoopbackPort());
  OCULA_ASSIGN_OR_RETURN(pid_t pid, LaunchPostgres(bin_dir, dir, port, as));
  pg::Pool admin(SuperuserConfig(dir, port, "postgres"));
  Status created = admin.Run([](pg::Connection& db) {
    return db.Exec(absl::StrCat("CREATE DATABASE ", kDatabase)).status();
  });
  StopPostgres(pid);
  return created;
}

// initdb takes about a second and ctest runs each test in a process of its
// own, so the first process makes a stopped cluster once (under a file lock,
// published by rename) and every server is a copy of it. It lives in the temp
// directory, not the build tree: the postgres user must read it, and a build
// tree may sit under a directory only root can enter (/root).
// Bump the name when InitCluster changes.
StatusOr<std::string> TemplateCluster(const std::string& bin_dir, const RunAs& as) {
  const std::string root = std::filesystem::temp_directory_path().string();
  const std::string path = root + "/ocula-test-postgres-template-v1";
  std::filesystem::create_directories(root);
  const int lock = open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) {
    if (lock >= 0) close(lock);
    return absl::InternalError(absl::StrCat("cannot lock ", path, ".lock"));
  }
  Status status;
  if (!std::filesystem::exists(path)) {
    const std::string staging = absl::StrCat(path, ".", RandomToken());
    std::filesystem::create_directories(staging);
    status = InitCluster(bin_dir, staging, as);
    std::error_code error;
    if (status.ok()) std::filesystem::rename(staging, path, error);
    if (!status.ok() || error) std::filesystem::remove_all(staging, error);
  }
  close(lock);  // releases the flock
  OCULA_RETURN_IF_ERROR(status);
  return path;
}

}  // namespace

StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  server->bin_dir_ = BinDir();
  if (!std::filesystem::exists(server->bin_dir_ + "/postgres") ||
      !std::filesystem::exists(server->bin_dir_ + "/initdb")) {
    return absl::FailedPreconditionError(
        absl::StrCat("PostgreSQL server binaries not found in ", server->bin_dir_,
                     " (set OCULA_PG_BINDIR to use others); run scripts/deps.sh to install them"));
  }
  OCULA_ASSIGN_OR_RETURN(RunAs as, PostgresUser());
  OCULA_ASSIGN_OR_RETURN(std::string cluster, TemplateCluster(server->bin_dir_, as));
  const std::string dir = server->dir_.path();
  OCULA_RETURN_IF_ERROR(Chown(dir, as));
  OCULA_RETURN_IF_ERROR(
      RunToCompletion({"/bin/cp", "-a", cluster + "/.", dir}, dir + "/cp.log", as));
  server->password_file_ = server->dir_.File("password");
  OCULA_ASSIGN_OR_RETURN(server->port_, FreeLoopbackPort());
  OCULA_RETURN_IF_ERROR(server->Restart());
  return server;
}

PostgresServer::~PostgresServer() { (void)Stop(); }

Status PostgresServer::Stop() {
  if (pid_ >= 0) StopPostgres(pid_);
  pid_ = -1;
  return absl::OkStatus();
}

Status PostgresServer::Restart() {
  OCULA_RETURN_IF_ERROR(Stop());
  OCULA_ASSIGN_OR_RETURN(RunAs as, PostgresUser());
  OCULA_ASSIGN_OR_RETURN(pid_, LaunchPostgres(bin_dir_, dir_.path(), port_, as));
  return absl::OkStatus();
}

Status PostgresServer::Exec(const std::string& sql) {
  OCULA_ASSIGN_OR_RETURN(auto db,
                         pg::Connection::Open(SuperuserConfig(dir_.path(), port_, kDatabase)));
  return db->ExecScript(sql);
}

StatusOr<std::string> PostgresServer::NewSchema() {
  const std::string name = absl::StrCat("test_", ++schemas_);
  OCULA_RETURN_IF_ERROR(Exec(absl::StrCat("CREATE SCHEMA ", name)));
  return name;
}

PostgresConfig PostgresServer::ConfigFor(const std::string& schema) const {
  PostgresConfig config;
  config.conninfo = absl::StrCat("postgresql://postgres@127.0.0.1:", port_, "/", kDatabase,
                                 "?options=-csearch_path%3D", schema);
  config.password_file = password_file_;
  return config;
}

StatusOr<PostgresServer*> SharedPostgresServer() {
  // Destroyed at exit, which stops the server and removes its files.
  static StatusOr<std::unique_ptr<PostgresServer>> server = PostgresServer::Start();
  if (!server.ok()) return server.status();
  return server->get();
}

}  // namespace ocula::testing
