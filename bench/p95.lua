done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p95_ms=%.2f p50_ms=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(95) / 1000,
    latency:percentile(50) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout))
end
