#!/usr/bin/env bash
# scripts/profile-pipeline.awk on a small, hand-counted `perf script` input:
# samples are assigned to the right phase, thread group and library, and the
# per-image figures and ratios come out as counted by hand.
set -euo pipefail
awk_script="$(dirname "$0")/../../scripts/profile-pipeline.awk"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf 'bare_before 100 101\npipeline 102 103\nbare_after 104 105\n' > "$work/windows.txt"
# At 1,000 samples per second and 2 images, one sample is 0.5 ms per image in
# the pipeline and 0.25 ms per image in the bare loop (two phases).
cat > "$work/samples.txt" <<'SAMPLES'
 ocula_bench_pip  11 100.500000:      7f0000000001 (/deps/onnxruntime/lib/libonnxruntime.so.1)
 ocula_bench_pip  12 100.600000:      7f0000000002 (/deps/onnxruntime/lib/libonnxruntime.so.1)
         swapper   0 100.700000:  ffffffff82242f55 ([kernel.kallsyms])
 ocula_bench_pip  11 104.500000:      7f0000000003 (/deps/onnxruntime/lib/libonnxruntime.so.1)
 ocula_bench_pip  12 104.600000:      7f0000000004 (/deps/onnxruntime/lib/libonnxruntime.so.1)
  ocula-analyze0  21 102.100000:      7f0000000005 (/deps/onnxruntime/lib/libonnxruntime.so.1)
  ocula-analyze0  21 102.200000:      7f0000000006 (/deps/onnxruntime/lib/libonnxruntime.so.1)
  ocula-analyze1  22 102.300000:      7f0000000007 (/usr/lib/x86_64-linux-gnu/libsqlite3.so.0.8.6)
      ocula-http  23 102.400000:  ffffffff81000001 ([kernel.kallsyms])
         swapper   0 102.500000:  ffffffff82242f55 ([kernel.kallsyms])
 ocula_bench_pip  13 102.600000:      7f0000000008 (/usr/lib/x86_64-linux-gnu/libc.so.6)
 kworker/0:1H-kb  30 102.700000:  ffffffff81000002 ([kernel.kallsyms])
  ocula-analyze0  21 101.500000:      7f0000000009 (/deps/onnxruntime/lib/libonnxruntime.so.1)
SAMPLES

awk -v freq=1000 -v images=2 -v efficiency=0.30 -v windows="$work/windows.txt" \
    -f "$awk_script" "$work/samples.txt" > "$work/out.txt"

status=0
expect() {
  if ! grep -qF -- "$1" "$work/out.txt"; then
    echo "missing: $1" >&2
    status=1
  fi
}
expect "| ONNX Runtime | 1.00 | 1.00 | +0.00 | 0.00 |"
expect "| SQLite | 0.00 | 0.50 | +0.50 | 0.00 |"
expect "| kernel | 0.00 | 0.00 | +0.00 | 0.50 |"
expect "| **all** | **1.00** | **1.50** | **+0.50** | **0.50** |"
expect "| server's upload path (HTTP + relay threads) | 0.50 | 0.00 |"
expect "| load generator (bench process) | 0.50 | 0.00 |"
expect "| kernel threads and other processes | 0.50 | 0.00 |"
expect "| idle | 0.50 | 0.25 |"
expect "| **both cores' time per image** | **3.50** | **1.25** |"
expect "efficiency: 0.30 measured, 0.36 from the samples"
expect "if the analysis threads cost no more than the bare loop: 0.42"
expect "... and the cores were idle no more than in the bare loop: 0.45"
if [ "$status" -ne 0 ]; then
  cat "$work/out.txt" >&2
fi
exit "$status"
