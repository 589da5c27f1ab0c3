// The upload workload the benchmarks share: N real photos posted to a running
// Ocula at concurrency C; then, once no image is pending or processing, every
// document read once. Rates and latencies come from the server's own
// timestamps (first upload created to last analysis done), so polling adds
// no error, and it is light (two one-row list queries per 100 ms) so that it
// takes little from the cores being measured.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ocula::bench {

// `n` photos from `dir`, repeated in file-name order when there are fewer.
std::vector<std::string> LoadPhotos(const std::string& dir, int n);

double Percentile(std::vector<double> values, double p);

struct WorkloadResult {
  double accepted_per_s = 0;         // uploads answered 202, per second of uploading
  double analysed_per_s = 0;         // images done per second, first created to last done
  int64_t first_created_ms = 0;      // the server's clock (Unix ms): first upload created
  int64_t last_done_ms = 0;          // ... and last analysis done
  std::vector<double> latencies_ms;  // upload to done, per image
  int failed = 0;                    // not acknowledged, or analysis failed
};

// ocula_analyses_total{outcome="done"} from the server's /metrics (0 when absent).
double AnalysesDone(int port);

// Posts every photo to `port` (the api) and waits for every analysis.
WorkloadResult RunWorkload(int port, const std::vector<std::string>& photos, int concurrency);

}  // namespace ocula::bench
