# Splits `perf script -F comm,tid,time,ip,dso` output of an
# ocula_bench_pipeline run into a per-image CPU budget (see
# profile-pipeline.sh). Variables: freq (samples per CPU-second), images,
# efficiency (the run's measured figure), windows (the file written by
# ocula_bench_pipeline --windows: "phase start end" in Unix seconds).

function library(dso) {
  if (dso ~ /libonnxruntime/) return "ONNX Runtime"
  if (dso ~ /libturbojpeg|libjpeg/) return "JPEG decoding"
  if (dso ~ /libopencv/) return "OpenCV"
  if (dso ~ /libsqlite3/) return "SQLite"
  if (dso ~ /kernel/) return "kernel"
  if (dso ~ /\/libc\.so|libstdc\+\+|\/libm\.so|ld-linux/) return "C/C++ runtime"
  if (dso ~ /libcrypto/) return "OpenSSL"
  if (dso ~ /\/ocula$|ocula_bench_pipeline$/) return "Ocula"
  return "other libraries"
}

# The thread group of a sample taken during the pipeline.
function group(comm) {
  if (comm ~ /^ocula-analyze/) return "analysis"
  if (comm == "ocula-http" || comm == "ocula-relay") return "upload"
  if (comm ~ /^ocula(-|$)/) return "server other"
  if (comm ~ /^ocula_bench_pip/) return "load generator"
  if (comm == "swapper") return "idle"
  return "other"
}

function ms(samples, n) { return samples * 1000 / freq / n }

BEGIN {
  while ((getline line < windows) > 0) {
    split(line, w, " ")
    start[w[1]] = w[2]
    end[w[1]] = w[3]
  }
  nlib = split("ONNX Runtime,JPEG decoding,OpenCV,Ocula,C/C++ runtime,SQLite,OpenSSL,kernel,other libraries", libs, ",")
}

{
  dso = $NF
  gsub(/[()]/, "", dso)
  t = $(NF - 2)
  sub(":", "", t)
  comm = $1
  for (i = 2; i <= NF - 4; i++) comm = comm " " $i
  if (t >= start["pipeline"] && t <= end["pipeline"]) {
    g = group(comm)
    threads[g]++
    pipeline_all++
    if (g == "analysis" || g == "upload") by[g, library(dso)]++
  } else if ((t >= start["bare_before"] && t <= end["bare_before"]) ||
             (t >= start["bare_after"] && t <= end["bare_after"])) {
    g = group(comm)
    if (g == "load generator") {  # the bare loop's threads
      g = "analysis"
      bare[library(dso)]++
    }
    bare_threads[g]++
    bare_all++
  }
}

END {
  if (bare_threads["analysis"] == 0 || threads["analysis"] == 0) {
    print "profile-pipeline: no samples in the measured phases" > "/dev/stderr"
    exit 1
  }
  printf "CPU ms per image (%d images; perf at %d Hz, so +-1 sample = %.3f ms per image)\n\n",
         images, freq, ms(1, images)
  print "| code | bare loop | server's analysis threads | difference | upload path (HTTP + relay) |"
  print "|---|---|---|---|---|"
  for (i = 1; i <= nlib; i++) {
    l = libs[i]
    bare_l = ms(bare[l], 2 * images)
    analysis_l = ms(by["analysis", l], images)
    printf "| %s | %.2f | %.2f | %+.2f | %.2f |\n", l, bare_l, analysis_l, analysis_l - bare_l,
           ms(by["upload", l], images)
  }
  b = ms(bare_threads["analysis"], 2 * images)
  a = ms(threads["analysis"], images)
  printf "| **all** | **%.2f** | **%.2f** | **%+.2f** | **%.2f** |\n\n", b, a, a - b,
         ms(threads["upload"], images)

  print "| threads | pipeline | bare loop |"
  print "|---|---|---|"
  ngroups = split("analysis,upload,server other,load generator,other,idle", groups, ",")
  names["analysis"] = "analysis (the server's workers; the bare loop's threads)"
  names["upload"] = "server's upload path (HTTP + relay threads)"
  names["server other"] = "server's other threads"
  names["load generator"] = "load generator (bench process)"
  names["other"] = "kernel threads and other processes"
  names["idle"] = "idle"
  for (i = 1; i <= ngroups; i++) {
    g = groups[i]
    printf "| %s | %.2f | %.2f |\n", names[g], ms(threads[g], images),
           ms(bare_threads[g], 2 * images)
  }
  # All samples of both cores, busy or idle, per image: twice the wall time
  # per image, so their ratio is the efficiency as the profile sees it.
  wall_bare = ms(bare_all, 2 * images)
  wall_pipeline = ms(pipeline_all, images)
  printf "| **both cores' time per image** | **%.2f** | **%.2f** |\n\n", wall_pipeline, wall_bare
  excess = a - b
  extra_idle = ms(threads["idle"], images) - ms(bare_threads["idle"], 2 * images)
  printf "efficiency: %.2f measured, %.2f from the samples\n", efficiency,
         wall_bare / wall_pipeline
  printf "  if the analysis threads cost no more than the bare loop: %.2f\n",
         wall_bare / (wall_pipeline - excess)
  printf "  ... and the cores were idle no more than in the bare loop: %.2f\n",
         wall_bare / (wall_pipeline - excess - extra_idle)
}
