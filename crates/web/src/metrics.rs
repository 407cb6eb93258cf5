//! Prometheus metrics: requests by route, method and status, a latency histogram by route,
//! and database pool gauges. Text exposition format 0.0.4.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    total: u64,
    sum: f64,
}

/// Request counters and histograms.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Records one finished request.
    pub fn record(&self, route: &str, method: &str, status: u16, seconds: f64) {
        *self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((route.to_string(), method.to_string(), status))
            .or_default() += 1;
        let mut lat = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        let h = lat.entry(route.to_string()).or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                h.counts[i] += 1;
            }
        }
        h.total += 1;
        h.sum += seconds;
    }

    /// The exposition text, with pool gauges (open, idle).
    pub fn render(&self, pool: (u32, usize)) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP hostsystem_http_requests_total HTTP requests by route, method and status.\n",
        );
        out.push_str("# TYPE hostsystem_http_requests_total counter\n");
        for ((route, method, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "hostsystem_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        out.push_str("# HELP hostsystem_http_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE hostsystem_http_request_duration_seconds histogram\n");
        for (route, h) in self
            .latency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let r = escape(route);
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(out, "hostsystem_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{b}\"}} {}", h.counts[i]);
            }
            let _ = writeln!(
                out,
                "hostsystem_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}",
                h.total
            );
            let _ = writeln!(
                out,
                "hostsystem_http_request_duration_seconds_sum{{route=\"{r}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "hostsystem_http_request_duration_seconds_count{{route=\"{r}\"}} {}",
                h.total
            );
        }
        let (open, idle) = pool;
        out.push_str("# HELP hostsystem_db_pool_connections Database pool connections by state.\n");
        out.push_str("# TYPE hostsystem_db_pool_connections gauge\n");
        let _ = writeln!(
            out,
            "hostsystem_db_pool_connections{{state=\"idle\"}} {idle}"
        );
        let _ = writeln!(
            out,
            "hostsystem_db_pool_connections{{state=\"in_use\"}} {}",
            (open as usize).saturating_sub(idle)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histogram_and_pool() {
        let m = Metrics::default();
        m.record("/api/health", "GET", 200, 0.003);
        m.record("/api/health", "GET", 200, 0.2);
        m.record("/login", "POST", 429, 0.01);
        let t = m.render((5, 3));
        assert!(t.contains("hostsystem_http_requests_total{route=\"/api/health\",method=\"GET\",status=\"200\"} 2\n"));
        assert!(t.contains(
            "hostsystem_http_requests_total{route=\"/login\",method=\"POST\",status=\"429\"} 1\n"
        ));
        assert!(t.contains("hostsystem_http_request_duration_seconds_bucket{route=\"/api/health\",le=\"0.005\"} 1\n"));
        assert!(t.contains("hostsystem_http_request_duration_seconds_bucket{route=\"/api/health\",le=\"+Inf\"} 2\n"));
        assert!(t.contains("hostsystem_db_pool_connections{state=\"in_use\"} 2\n"));
    }
}
