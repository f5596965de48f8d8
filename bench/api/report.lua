-- wrk's summary as one line of JSON (latencies in microseconds), read by bench.api.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\n{"requests": %d, "duration_us": %d, "socket_errors": %d, "status_errors": %d,'
      .. ' "p50": %d, "p95": %d, "p99": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
